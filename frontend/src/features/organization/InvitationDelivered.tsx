import { Link2, MailCheck } from "lucide-react";
import type { InvitationSent } from "@/client/types.gen";
import { CopyButton } from "@/components/copy-button";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";

/** After inviting or resending: "email sent", or the link (shown this once) to pass on. */
export function InvitationDelivered({ sent }: { sent: InvitationSent }) {
  const email = sent.invitation.email;
  if (sent.delivery === "email" || !sent.link) {
    return (
      <Alert>
        <MailCheck aria-hidden />
        <AlertTitle>Email sent</AlertTitle>
        <AlertDescription>
          The invitation link went to {email}. It works once and expires in 7 days.
        </AlertDescription>
      </Alert>
    );
  }
  return (
    <Alert>
      <Link2 aria-hidden />
      <AlertTitle>Send this link to {email}</AlertTitle>
      <AlertDescription>
        <p>
          The panel sends no email, so pass the link on yourself. It is shown only now, works once and expires in 7
          days.
        </p>
        <div className="mt-2 flex w-full items-center gap-1 rounded-md border border-border bg-muted/50 px-2 py-1">
          <code className="min-w-0 flex-1 break-all font-mono text-xs text-foreground" data-testid="invitation-link">
            {sent.link}
          </code>
          <CopyButton value={sent.link} label={`Copy invitation link for ${email}`} />
        </div>
      </AlertDescription>
    </Alert>
  );
}
