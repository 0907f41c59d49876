// boochat's page: the BooCode workspace (<boo-workspace>, src/workspace/shell.ts).

import "@boocode/common/theme.css";
import "./ui/theme-light.css";
import "./ui/app.css";
import "./workspace/shell.css";
import { TAG } from "./workspace/shell";
import { applyTheme, rememberedTheme } from "./workspace/settings";

// The owner's theme as last seen, until the shell reads the settings.
const theme = rememberedTheme();
if (theme !== null) applyTheme(theme);

const root = document.getElementById("app");
if (root !== null) root.replaceChildren(document.createElement(TAG));
