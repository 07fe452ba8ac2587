import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App } from "./App";
import { loadConfig } from "./lib/config";
import { initI18n } from "./i18n";
import "./styles.css";

initI18n();
const root = createRoot(document.getElementById("root")!);
loadConfig()
  .then(() =>
    root.render(
      <StrictMode>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </StrictMode>,
    ),
  )
  .catch((e: unknown) => root.render(<p role="alert">{String(e)}</p>));
