import "@boocode/common/theme.css";
import "./term.css";
import "./pane";
import { TermApi } from "./api";
import { TermApp } from "./app";

const root = document.getElementById("app");
if (root !== null) void new TermApp(root, new TermApi(window.location)).start();
