// boocoder's side of the end-to-end run: a project that is a git repository (boocoder
// makes a worktree of it per session), the coder page's URL, and what its page shows.

import { execFile } from "node:child_process";
import { mkdtemp, realpath, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { api } from "./chat.mjs";

const run = promisify(execFile);

/** A fresh temp dir holding a git repository with one commit (a README). */
export async function gitProject() {
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), "boo-e2e-repo-")));
  const git = (...args) => run("git", ["-C", dir, "-c", "user.name=BooCode e2e", "-c", "user.email=e2e@boocode.invalid", ...args], { timeout: 10_000 });
  await git("init", "-q");
  await writeFile(path.join(dir, "README.md"), "# e2e\n");
  await git("add", "README.md");
  await git("commit", "-q", "-m", "init");
  return dir;
}

/** A project on a fresh git repository, a session in it and a chat in that, made through boochat. */
export async function newCoderChat(chatBase, label) {
  const dir = await gitProject();
  const project = await api(chatBase, "POST", "projects", { name: `${label} ${path.basename(dir)}`, path: dir });
  const session = await api(chatBase, "POST", "sessions", { project_id: project.id, title: label });
  const chat = await api(chatBase, "POST", `sessions/${session.id}/chats`, {});
  return { dir, project, session, chat };
}

/** boocoder's page opened on `chat` of `session` (what the workspace does). */
export function coderPageUrl(base, session, chat) {
  const url = new URL(base);
  url.hash = `#/s/${session.id}/c/${chat.id}`;
  return url.toString();
}

/** Role, status, agent and text of every message of the timeline, in display order. */
export async function timeline(page) {
  return page.locator('[data-testid="message"]').evaluateAll((els) =>
    els.map((el) => ({
      role: el.getAttribute("data-role"),
      status: el.getAttribute("data-status"),
      agent: el.getAttribute("data-agent"),
      text: [...el.querySelectorAll('[data-testid="user-text"], [data-testid="message-text"]')].map((t) => t.textContent?.trim() ?? "").join("\n"),
    })),
  );
}
