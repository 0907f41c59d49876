// boochat's page: the BooCode workspace (<boo-workspace>, src/workspace/shell.ts).

import "@boocode/common/theme.css";
import "./ui/theme-light.css";
import "./ui/app.css";
import "./workspace/shell.css";
import { TAG } from "./workspace/shell";

const root = document.getElementById("app");
if (root !== null) root.replaceChildren(document.createElement(TAG));
