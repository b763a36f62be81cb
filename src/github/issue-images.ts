import { httpStatus, type GitHub } from './octokit.js';
import { imageSource, imageUrls, type ImageSource } from './image-links.js';

/** Bounds on what the app downloads for one run: issue text is anyone's, the app's memory is not. */
export interface ImageLimits {
  count: number;
  bytesEach: number;
  bytesTotal: number;
  redirects: number;
}

export const IMAGE_LIMITS: ImageLimits = {
  count: 10,
  bytesEach: 5 * 1024 * 1024,
  bytesTotal: 20 * 1024 * 1024,
  redirects: 3,
};

export type ImageType = 'png' | 'jpeg' | 'gif' | 'webp';

export interface FetchedImage {
  url: string;
  type: ImageType;
  bytes: Uint8Array;
}

export interface ImagesResult {
  images: FetchedImage[];
  /** Images that were not downloaded, and why (a private attachment answers 404). */
  failed: { url: string; reason: string }[];
}

export interface ImageFetchOptions {
  repo: { owner: string; name: string };
  gh: GitHub;
  limits?: ImageLimits;
  signal?: AbortSignal;
  /** For tests; the global fetch by default. */
  fetch?: typeof fetch;
}

/**
 * Downloads the images linked in `texts` (the issue body and the trigger's own words) that the
 * app may fetch (image-links.ts): GitHub attachments over https with bounded redirects, the
 * repository's own files through the API. Each is size-capped while it streams, and kept only
 * when its first bytes say PNG, JPEG, GIF or WebP. Never throws for one image: it is listed.
 */
export async function fetchIssueImages(texts: readonly string[], options: ImageFetchOptions): Promise<ImagesResult> {
  const limits = options.limits ?? IMAGE_LIMITS;
  const sources = [...new Set(texts.flatMap(imageUrls))]
    .map((url) => imageSource(url, options.repo))
    .filter((s): s is ImageSource => s !== undefined);
  const result: ImagesResult = { images: [], failed: [] };
  let total = 0;
  for (const [i, source] of sources.entries()) {
    if (i >= limits.count) {
      result.failed.push({ url: source.url, reason: `more than ${limits.count} images: not downloaded` });
      continue;
    }
    try {
      const bytes = await download(source, options, limits);
      const type = imageType(bytes);
      if (!type) throw new ImageRefused('not a PNG, JPEG, GIF or WebP image');
      if (total + bytes.length > limits.bytesTotal)
        throw new ImageRefused(`the images together are over ${megabytes(limits.bytesTotal)}`);
      total += bytes.length;
      result.images.push({ url: source.url, type, bytes });
    } catch (err) {
      options.signal?.throwIfAborted();
      result.failed.push({ url: source.url, reason: reasonOf(err) });
    }
  }
  return result;
}

class ImageRefused extends Error {}

async function download(source: ImageSource, options: ImageFetchOptions, limits: ImageLimits): Promise<Uint8Array> {
  if (source.kind === 'attachment') return cappedFetch(source.url, options, limits);
  const { data } = await options.gh.rest.repos.getContent({
    owner: options.repo.owner,
    repo: options.repo.name,
    path: source.path,
    ref: source.ref,
  });
  if (Array.isArray(data) || data.type !== 'file') throw new ImageRefused('not a file in the repository');
  if (data.size > limits.bytesEach) throw new ImageRefused(`larger than ${megabytes(limits.bytesEach)}`);
  // Files over 1 MB come without content: their download URL carries its own short-lived token.
  if (data.content && data.encoding === 'base64') return Buffer.from(data.content, 'base64');
  if (!data.download_url) throw new ImageRefused('the repository gave no content for it');
  return cappedFetch(data.download_url, options, limits);
}

/** GET over https only, following at most `limits.redirects` redirects, reading at most `bytesEach`. */
async function cappedFetch(url: string, options: ImageFetchOptions, limits: ImageLimits): Promise<Uint8Array> {
  const fetchFn = options.fetch ?? fetch;
  let at = url;
  for (let hop = 0; ; hop++) {
    const res = await fetchFn(at, { redirect: 'manual', signal: options.signal });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      if (hop >= limits.redirects) throw new ImageRefused(`more than ${limits.redirects} redirects`);
      const next = new URL(location, at);
      if (next.protocol !== 'https:') throw new ImageRefused('redirected away from https');
      at = next.href;
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new ImageRefused(`HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > limits.bytesEach) {
      await res.body?.cancel();
      throw new ImageRefused(`larger than ${megabytes(limits.bytesEach)}`);
    }
    return readCapped(res, limits.bytesEach);
  }
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
  if (!reader) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new ImageRefused(`larger than ${megabytes(max)}`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The image format its first bytes say, or undefined. */
export function imageType(b: Uint8Array): ImageType | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((x, i) => b[i] === x)) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return undefined;
}

function reasonOf(err: unknown): string {
  if (err instanceof ImageRefused) return err.message;
  const status = httpStatus(err);
  if (status === 404) return 'not found in the repository';
  if (status !== undefined) return `GitHub answered ${status}`;
  return err instanceof Error ? err.message : String(err);
}

function megabytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${bytes} bytes`;
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}
