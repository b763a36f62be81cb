/**
 * Credentials recognised by their format, whether the app knows the value or not: a token an
 * agent found, printed or made up looks the same to a reader as a real one.
 *
 * Every pattern stays linear on any input: a candidate may start only where the character
 * before it cannot be part of its body (the lookbehinds), so each run of body characters is
 * scanned from one start only, and no quantified group can split the same text two ways.
 */
const SHAPES = new RegExp(
  [
    // GitHub classic, OAuth, user-to-server, server-to-server and refresh tokens: prefix + 36 or more base62.
    String.raw`(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{36,}`,
    // Fine-grained personal access tokens: github_pat_ + 22 + "_" + 59 (a little leeway on both).
    String.raw`(?<![A-Za-z0-9])github_pat_[A-Za-z0-9]{20,}_[A-Za-z0-9]{50,}`,
    // The start of one of the above, or of an Anthropic or OpenAI project key, cut short by a renderer.
    String.raw`(?<![A-Za-z0-9_-])(?:gh[pousr]_|github_pat_|sk-ant-|sk-proj-)[A-Za-z0-9_-]{8,}(?=\s*(?:…|\.\.\.))`,
    // Anthropic (sk-ant-api03-...) and OpenAI (sk-..., sk-proj-..., sk-svcacct-...) keys: the one group, judged by isModelKey.
    String.raw`(?<![A-Za-z0-9_-])(sk-[A-Za-z0-9_-]{20,})`,
    // This app's own per-job capability tokens for its broker: iacap_<job id>_<43 base64url>.
    String.raw`(?<![A-Za-z0-9_-])iacap_[A-Za-z0-9-]{1,64}_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])`,
    // AWS access key ids, long-lived (AKIA) and temporary (ASIA).
    String.raw`(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])`,
    // A PEM private key block (RSA, EC, OPENSSH, ENCRYPTED, ...), to its END line or, cut short,
    // as far as its body goes: base64, legacy encryption headers, real or escaped line breaks.
    String.raw`-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY-----(?:Proc-Type:[^\n\\]*|DEK-Info:[^\n\\]*|[A-Za-z0-9+/=]|\r?\n|\\(?:r\\)?n|[ \t])*(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY-----)?`,
  ].join('|'),
  'g',
);

/** Sub-prefixes of model keys whose body may hold "-" and "_". */
const KEY_FAMILY = /^sk-(?:ant|proj|svcacct|admin|None)-/;

/**
 * Whether an `sk-...` candidate is a key rather than a word ("sk-learn-compatible-estimators"):
 * keys are random, so their body mixes digits and letters, and unless it is long (32+, e.g.
 * hex keys) upper and lower case. A body with dashes counts only after a known sub-prefix.
 */
function isModelKey(candidate: string): boolean {
  const family = KEY_FAMILY.exec(candidate);
  const body = candidate.slice(family ? family[0].length : 3);
  if (body.length < 20 || !/[0-9]/.test(body)) return false;
  const upper = /[A-Z]/.test(body);
  const lower = /[a-z]/.test(body);
  if (family) return upper && lower;
  if (/[-_]/.test(body)) return false;
  return (upper && lower) || (body.length >= 32 && (upper || lower));
}

/** The text with every credential-shaped string replaced by `mask`. */
export function maskCredentialShapes(text: string, mask: string): string {
  return text.replace(SHAPES, (match, modelKey: string | undefined) =>
    modelKey !== undefined && !isModelKey(modelKey) ? match : mask,
  );
}
