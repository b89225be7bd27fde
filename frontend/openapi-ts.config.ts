import { defineConfig } from "@hey-api/openapi-ts";

// The typed client is generated from openapi.json (dumped offline by
// `python -m vpspanel.openapi_dump`). scripts/check-client-drift points the two environment
// variables at a scratch copy to see whether the committed client is current.
export default defineConfig({
  input: process.env.VPSPANEL_OPENAPI_INPUT ?? "./openapi.json",
  output: { path: process.env.VPSPANEL_CLIENT_OUTPUT ?? "./src/client" },
  plugins: ["@hey-api/client-fetch", "@tanstack/react-query"],
});
