import { QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Toaster } from "sonner";
import { configureClient } from "@/api/http";
import { createQueryClient } from "@/api/queryClient";
import { applyTheme, preferredTheme } from "@/lib/theme";
import { createAppRouter } from "@/router";
import "./index.css";

applyTheme(preferredTheme());
configureClient();
const queryClient = createQueryClient();
const router = createAppRouter(queryClient);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
      <Toaster richColors closeButton position="bottom-right" theme="system" />
    </QueryClientProvider>
  </StrictMode>,
);
