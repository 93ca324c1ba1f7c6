// For tools that read .ts files without Vue's language service (typescript-eslint):
// vue-tsc resolves the real .vue files and never falls back to this.
declare module "*.vue" {
  import type { DefineComponent } from "vue";

  const component: DefineComponent;
  export default component;
}
