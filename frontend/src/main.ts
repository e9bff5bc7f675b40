/**
 * @module main — uni-app entry: one Vue app with pinia, created the way uni expects (`createSSRApp`).
 */
import * as Pinia from 'pinia';
import { createSSRApp } from 'vue';
import App from './App.vue';

export function createApp() {
  const app = createSSRApp(App);
  app.use(Pinia.createPinia());
  // uni-app's mini-program runtime needs the Pinia namespace returned beside the app.
  return { app, Pinia };
}
