import { AlertCircle } from "lucide-react";
import { isApiError } from "@/api/http";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";

/** A failed read: the API's safe detail (with the wait on a 429) and a Retry button. Rendered
 * beside whatever the page already shows, so the last data stays on screen. */
export function QueryProblem({
  query,
  title,
}: {
  query: { isError: boolean; error: unknown; refetch: () => unknown };
  title: string;
}) {
  if (!query.isError) return null;
  const error = query.error;
  const detail = !isApiError(error)
    ? "Something went wrong."
    : error.status === 429 && error.retryAfter
      ? `Too many requests. Try again in ${error.retryAfter} s.`
      : error.detail;
  return (
    <Alert variant="destructive">
      <AlertCircle aria-hidden />
      <AlertTitle>{title}</AlertTitle>
      <AlertDescription>
        <p>{detail}</p>
        <Button type="button" className="mt-2" size="sm" variant="outline" onClick={() => void query.refetch()}>
          Retry
        </Button>
      </AlertDescription>
    </Alert>
  );
}
