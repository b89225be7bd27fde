import { Outlet } from "@tanstack/react-router";
import { AlertCircle } from "lucide-react";
import { isApiError } from "@/api/http";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { Header } from "./Header";
import { useMe } from "./useMe";

/** Every signed-in page: the header, then the page. A 401 from /me goes to /login (global). */
export function AppLayout() {
  const me = useMe();
  if (me.data) {
    return (
      <div className="min-h-svh">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-background focus:px-3 focus:py-2">
          Skip to content
        </a>
        <Header me={me.data} />
        <main id="main" className="mx-auto max-w-7xl px-4 py-6">
          <Outlet />
        </main>
      </div>
    );
  }
  if (me.isError && !(isApiError(me.error) && me.error.status === 401)) {
    return (
      <main className="mx-auto max-w-lg px-4 py-16">
        <Alert variant="destructive">
          <AlertCircle aria-hidden />
          <AlertTitle>The panel could not be reached</AlertTitle>
          <AlertDescription>
            <p>{isApiError(me.error) ? me.error.detail : "Something went wrong."}</p>
            <Button className="mt-3" variant="outline" size="sm" onClick={() => void me.refetch()}>
              Retry
            </Button>
          </AlertDescription>
        </Alert>
      </main>
    );
  }
  return (
    <div className="min-h-svh" aria-busy="true">
      <div className="h-14 border-b border-border" />
      <div className="mx-auto grid max-w-7xl gap-4 px-4 py-6">
        <Skeleton className="h-8 w-48" />
        <Skeleton className="h-40 w-full" />
      </div>
    </div>
  );
}
