import "@boocode/common/theme.css";
import "./ui/coder.css";
import { Controller } from "./controller";
import { AppView } from "./ui/app-view";

const root = document.getElementById("app");
if (root !== null) {
  let storage: Storage | null = null;
  try {
    storage = window.localStorage;
  } catch {
    // Storage blocked: choices last for this page only.
  }
  const app = new Controller({ location: window.location, storage });
  new AppView(root, app);
  void app.start();
}
