import { Link } from "@tanstack/react-router";
import { SearchX } from "lucide-react";
import { buttonVariants } from "@/components/ui/button";

export function NotFound({ title = "Page not found", children }: { title?: string; children?: React.ReactNode }) {
  return (
    <div className="mx-auto flex max-w-md flex-col items-center gap-3 py-16 text-center">
      <SearchX className="size-10 text-muted-foreground" aria-hidden />
      <h1 className="text-xl font-semibold">{title}</h1>
      <p className="text-sm text-muted-foreground">
        {children ?? "There is nothing at this address. It may have been moved or deleted."}
      </p>
      <Link to="/vps" className={buttonVariants({ variant: "outline" })}>
        Back to servers
      </Link>
    </div>
  );
}

export function NotAllowed() {
  return (
    <div className="mx-auto flex max-w-md flex-col items-center gap-3 py-16 text-center">
      <h1 className="text-xl font-semibold">Not allowed</h1>
      <p className="text-sm text-muted-foreground">Your account cannot open this page.</p>
      <Link to="/vps" className={buttonVariants({ variant: "outline" })}>
        Back to servers
      </Link>
    </div>
  );
}
