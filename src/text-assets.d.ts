// esbuild's text loader (its default for .txt) turns an imported .txt file into its text:
// beostatus embeds its browser script this way (build/web/page.txt, scripts/build-web.mjs).
declare module "*.txt" {
  const text: string;
  export default text;
}
