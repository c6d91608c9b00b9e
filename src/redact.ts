/** Replaces every occurrence of the secret; used on anything that came from outside (server messages, errors). */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4 || !text.includes(secret)) return text;
  return text.split(secret).join('[REDACTED]');
}
