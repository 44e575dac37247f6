// The client's entry point: mounts the app.
import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { applyTheme, savedTheme } from "./lib/theme";

// Before the first paint, so a chosen theme never flashes the other one.
applyTheme(savedTheme());

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");
export default mount(App, { target });
