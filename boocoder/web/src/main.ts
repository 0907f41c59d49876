import "@common/style.css";
import { mountStatusPage } from "@common/page";
import { spec } from "./spec";

const root = document.getElementById("app");
if (root !== null) mountStatusPage(document, root, spec);
