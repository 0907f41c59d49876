import "@boocode/common/theme.css";
import "./ui/coder.css";
import "./pane";
import { Controller } from "./controller";
import { AppView } from "./ui/app-view";

const root = document.getElementById("app");
if (root !== null) {
  const app = new Controller({ location: window.location, history: window.history });
  new AppView(root, app);
  void app.start();
}
