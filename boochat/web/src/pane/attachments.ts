// Files pasted or dropped on the composer, before they are sent: read in the browser,
// checked against the limits boochat enforces (so a mistake is said at once, not after an
// upload), and shown as chips above the message box until the message goes out with them.
//
// Text files go as their contents (UTF-8, at most 256 KiB); images (png, jpeg, webp, gif,
// at most 4 MiB) as base64, and only when the model server says the model takes images
// (`GET /api/models` → `vision`). boochat checks all of it again.

import type { ModelsInfo, NewAttachment } from "@boocode/types";

export const MAX_ATTACHMENTS = 8;
export const MAX_TEXT_BYTES = 256 * 1024;
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;
export const IMAGE_TYPES: readonly string[] = ["image/png", "image/jpeg", "image/webp", "image/gif"];

/** A file waiting in the composer, with its size for the chip. */
export type Pending = { attachment: NewAttachment; bytes: number };

/** What a file may be read from (a `File`, or a test's stand-in). */
export type FileLike = { name: string; type: string; size: number; arrayBuffer(): Promise<ArrayBuffer> };

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

/** Reads `file` into an attachment, or throws an Error saying why it cannot be one. */
export async function readFile(file: FileLike): Promise<Pending> {
  const name = file.name.trim() === "" ? "pasted" : file.name.replace(/[/\r\n]/g, "_");
  if (IMAGE_TYPES.includes(file.type)) {
    if (file.size > MAX_IMAGE_BYTES) throw new Error(`${name} is ${kib(file.size)}; an image may be at most 4 MiB.`);
    const bytes = new Uint8Array(await file.arrayBuffer());
    return { attachment: { kind: "image", name, mime: file.type, data: base64(bytes) }, bytes: bytes.length };
  }
  if (file.type.startsWith("image/")) throw new Error(`${name}: ${file.type} images cannot be sent (png, jpeg, webp or gif only).`);
  if (file.size > MAX_TEXT_BYTES) throw new Error(`${name} is ${kib(file.size)}; a text file may be at most 256 KiB.`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  let content: string;
  try {
    content = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${name} is not a text file (it is not UTF-8).`);
  }
  if (content.includes("\u0000")) throw new Error(`${name} is not a text file (it holds NUL bytes).`);
  const mime = file.type === "" ? undefined : file.type;
  return { attachment: { kind: "text", name, content, ...(mime === undefined ? {} : { mime }) }, bytes: bytes.length };
}

/**
 * Why images cannot go to this chat's model (`null`: they can). `model` is the chat's
 * model when known (its agent's), else the server's first.
 */
export function visionRefusal(models: ModelsInfo | null, model: string | null): string | null {
  if (models === null || !models.reachable) return "Images cannot be sent: the model server does not answer.";
  const info = model === null ? models.models[0] : models.models.find((m) => m.id === model);
  const name = info?.id ?? model ?? "the model";
  if (info?.vision === true) return null;
  if (info?.vision === false) return `Images cannot be sent: ${name} does not take images (its server reports no vision).`;
  return `Images cannot be sent: the model server does not say whether ${name} takes images.`;
}

/** `list` with `add` appended, or the reason it does not fit. */
export function addPending(list: readonly Pending[], add: Pending): readonly Pending[] | string {
  if (list.length >= MAX_ATTACHMENTS) return `A message takes at most ${MAX_ATTACHMENTS} attachments.`;
  return [...list, add];
}
