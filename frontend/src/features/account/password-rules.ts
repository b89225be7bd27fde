import { z } from "zod";

/** The client-side part of the server's password rule (length); the server also refuses
 * common passwords and ones containing the email, and says why on the field. */
export const newPassword = z
  .string()
  .min(10, "At least 10 characters.")
  .max(256, "At most 256 characters.");

export const NEW_PASSWORD_HINT =
  "At least 10 characters; not your email and not a commonly used password. A few unrelated words work well.";
