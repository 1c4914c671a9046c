// The build-time settings the example reads (vite.config.ts).
interface ImportMetaEnv {
  readonly VITE_DATAEX_URL?: string;
  readonly VITE_DATAEX_APP?: string;
}
