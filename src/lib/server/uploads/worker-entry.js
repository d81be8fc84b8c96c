// Entry of the import worker thread: the app is a Vite bundle, but the worker runs the importer's
// TypeScript sources directly with tsx, as the `acerto` CLI does.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./worker.ts', import.meta.url).href);
