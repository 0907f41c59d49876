import "@boocode/common/theme.css";
import "./ui/app.css";
import { Controller } from "./controller";
import { AppView } from "./ui/app-view";

const root = document.getElementById("app");
if (root !== null) {
  const app = new Controller({ location: window.location });
  new AppView(root, app);
  void app.start();
}
