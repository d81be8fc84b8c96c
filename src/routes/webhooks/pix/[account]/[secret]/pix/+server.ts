// The PSP calls `{registered URL}/pix` (Pix API v2, callback `listaPix`).
export { POST } from '../+server';
