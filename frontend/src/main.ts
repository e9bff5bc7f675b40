/**
 * @module main — uni-app entry: one Vue app with pinia, created the way uni expects (`createSSRApp`).
 *
 * The composition root: the configuration, this build's platform and the HTTP API are built here, once,
 * and provided on the app (`provideAppContext`); everything below receives them.
 */
import * as Pinia from 'pinia';
import { createSSRApp } from 'vue';
import App from './App.vue';
import { provideAppContext } from './app-context';
import { type EnvSource, readConfig } from './config';
import { createPlatform } from './platform';

export function createApp() {
  const app = createSSRApp(App);
  const config = readConfig(import.meta.env as EnvSource);
  provideAppContext(app, config, createPlatform(config));
  app.use(Pinia.createPinia());
  // uni-app's mini-program runtime needs the Pinia namespace returned beside the app.
  return { app, Pinia };
}
