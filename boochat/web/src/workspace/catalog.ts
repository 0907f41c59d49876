// The sidebar's data: projects and their sessions (open ones, archived ones while "show
// archived" is on), which projects are expanded. One immutable value, replaced on every
// change and announced through `onChange`; the shell renders it with ui/sidebar.ts.
//
// It follows every device: the shell keeps a catalog socket (`/api/ws` without a
// session) whose `session_updated` frames (a session created, renamed, archived or
// restored anywhere) go through `sessionUpdated`; after that socket reconnects (the
// catalog has no replay) the loaded lists are read again (`reloadSessions`).
//
// Tags: the tags in use (with counts) are read at start and after every session change;
// picking one filters every project's list to the sessions carrying it (the server filters,
// `GET /api/sessions?tag=`; live updates of sessions without it leave the list).

import type { Project, Session, SessionChange, Status, TagCount } from "@boocode/types";
import { errorText } from "@boocode/common/api";
import type { Api } from "../api/client";

export type SessionLists = {
  open: readonly Session[];
  /** Loaded only while "show archived" is on. */
  archived: readonly Session[] | null;
  loading: boolean;
  error: string | null;
};

export type CatalogState = {
  projects: readonly Project[] | null;
  projectsError: string | null;
  expanded: Readonly<Record<string, boolean>>;
  sessions: Readonly<Record<string, SessionLists>>;
  showArchived: boolean;
  /** The open sessions' tags, most used first. */
  tags: readonly TagCount[];
  /** Only sessions carrying this tag are listed (`null`: all). */
  tagFilter: string | null;
};

export function initialCatalog(): CatalogState {
  return { projects: null, projectsError: null, expanded: {}, sessions: {}, showArchived: false, tags: [], tagFilter: null };
}

/**
 * The tags a session has after adding `text` (comma-separated, trimmed, empty and repeated
 * ones left out), or the reason it cannot take them (the server's rules).
 */
export function withTags(current: readonly string[], text: string): string[] | string {
  const next = [...current];
  for (const raw of text.split(",")) {
    const tag = raw.trim();
    if (tag === "" || next.includes(tag)) continue;
    if ([...tag].length > 64) return `A tag may be at most 64 characters: "${tag}".`;
    next.push(tag);
  }
  if (next.length > 64) return "A session takes at most 64 tags.";
  return next;
}

/** Most recently active first, as the server lists them (`updated_at`, then `id`, descending). */
function newerFirst(a: Session, b: Session): number {
  if (a.updated_at !== b.updated_at) return a.updated_at < b.updated_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * A session as a `session_updated` frame has it: its row leaves the list it was in and
 * joins the one of its status (archived ones only while that list is loaded). Projects
 * whose sessions were never loaded are left alone; they load when expanded.
 */
export function applySessionUpdate(state: CatalogState, session: Session): CatalogState {
  const lists = state.sessions[session.project_id];
  if (lists === undefined) return state;
  const shown = state.tagFilter === null || session.tags.includes(state.tagFilter);
  const place = (list: readonly Session[], status: Status): readonly Session[] => {
    const rest = list.filter((s) => s.id !== session.id);
    return session.status === status && shown ? [...rest, session].sort(newerFirst) : rest;
  };
  const open = place(lists.open, "open");
  const archived = lists.archived === null ? null : place(lists.archived, "archived");
  return { ...state, sessions: { ...state.sessions, [session.project_id]: { ...lists, open, archived } } };
}

/** A `session_deleted` frame (or our own delete): the row leaves every list. */
export function applySessionDelete(state: CatalogState, sessionId: string): CatalogState {
  let changed = false;
  const sessions: Record<string, SessionLists> = {};
  for (const [pid, lists] of Object.entries(state.sessions)) {
    const open = lists.open.filter((s) => s.id !== sessionId);
    const archived = lists.archived === null ? null : lists.archived.filter((s) => s.id !== sessionId);
    const same = open.length === lists.open.length && (archived?.length ?? 0) === (lists.archived?.length ?? 0);
    changed ||= !same;
    sessions[pid] = same ? lists : { ...lists, open, archived };
  }
  return changed ? { ...state, sessions } : state;
}

export type CatalogApi = Pick<Api, "projects" | "createProject" | "sessions" | "createSession" | "updateSession" | "tags">;

export class Catalog {
  private current: CatalogState = initialCatalog();

  /** `api` is asked for the client at each call (a host may swap it before starting). */
  constructor(
    private readonly client: () => CatalogApi,
    private readonly onChange: (s: CatalogState) => void,
  ) {}

  private get api(): CatalogApi {
    return this.client();
  }

  get state(): CatalogState {
    return this.current;
  }

  private set(patch: Partial<CatalogState> | ((s: CatalogState) => Partial<CatalogState>)): void {
    this.current = { ...this.current, ...(typeof patch === "function" ? patch(this.current) : patch) };
    this.onChange(this.current);
  }

  project(projectId: string): Project | undefined {
    return this.current.projects?.find((p) => p.id === projectId);
  }

  async loadProjects(): Promise<void> {
    void this.loadTags();
    try {
      const projects = await this.api.projects();
      this.set((s) => ({
        projects,
        projectsError: null,
        // With a single project there is nothing to choose: show its sessions.
        expanded: projects.length === 1 && projects[0] !== undefined ? { ...s.expanded, [projects[0].id]: true } : s.expanded,
      }));
      for (const p of projects) if (this.current.expanded[p.id]) void this.loadSessions(p.id);
    } catch (err) {
      this.set({ projectsError: errorText(err) });
    }
  }

  async createProject(name: string, path: string): Promise<Project> {
    const project = await this.api.createProject({ name, path });
    this.set((s) => ({ projects: [...(s.projects ?? []), project], expanded: { ...s.expanded, [project.id]: true } }));
    await this.loadSessions(project.id);
    return project;
  }

  toggleProject(projectId: string): void {
    const open = !this.current.expanded[projectId];
    this.set((s) => ({ expanded: { ...s.expanded, [projectId]: open } }));
    if (open) void this.loadSessions(projectId);
  }

  /** Shows `projectId`'s sessions (the open session's project), loading them once. */
  expand(projectId: string): void {
    if (this.current.expanded[projectId] !== true) this.set((s) => ({ expanded: { ...s.expanded, [projectId]: true } }));
    if (this.current.sessions[projectId] === undefined) void this.loadSessions(projectId);
  }

  async loadSessions(projectId: string): Promise<void> {
    const prev: SessionLists = this.current.sessions[projectId] ?? { open: [], archived: null, loading: false, error: null };
    this.set((s) => ({ sessions: { ...s.sessions, [projectId]: { ...prev, loading: true } } }));
    try {
      const tag = this.current.tagFilter;
      const [open, archived] = await Promise.all([
        this.api.sessions(projectId, "open", tag),
        this.current.showArchived ? this.api.sessions(projectId, "archived", tag) : Promise.resolve(null),
      ]);
      this.set((s) => ({ sessions: { ...s.sessions, [projectId]: { open, archived, loading: false, error: null } } }));
    } catch (err) {
      this.set((s) => ({ sessions: { ...s.sessions, [projectId]: { ...prev, loading: false, error: errorText(err) } } }));
    }
  }

  /** A `session_updated` frame: the sidebar shows the change at once. */
  sessionUpdated(session: Session): void {
    const next = applySessionUpdate(this.current, session);
    if (next !== this.current) this.set(next);
    void this.loadTags();
  }

  /** Reads the tags in use (a failure keeps the last list: the filter is a convenience). */
  async loadTags(): Promise<void> {
    try {
      const { tags } = await this.api.tags();
      this.set({ tags });
    } catch {
      // Kept: the next session change asks again.
    }
  }

  /** Lists only the sessions carrying `tag` (`null`: all of them again). */
  setTagFilter(tag: string | null): void {
    if (tag === this.current.tagFilter) return;
    this.set({ tagFilter: tag });
    for (const id of Object.keys(this.current.sessions)) void this.loadSessions(id);
  }

  /** Replaces a session's tags; the sidebar follows the stored session. */
  async setTags(session: Session, tags: readonly string[]): Promise<Session> {
    const { closed: _closed, ...updated } = await this.api.updateSession(session.id, { tags: [...tags] });
    this.sessionUpdated(updated);
    return updated;
  }

  /** A `session_deleted` frame, or a delete from this page. */
  sessionDeleted(sessionId: string): void {
    const next = applySessionDelete(this.current, sessionId);
    if (next !== this.current) this.set(next);
  }

  /** Reads every loaded project's sessions again (the catalog socket reconnected). */
  reloadSessions(): void {
    for (const id of Object.keys(this.current.sessions)) void this.loadSessions(id);
  }

  toggleArchived(): void {
    this.set((s) => ({ showArchived: !s.showArchived }));
    for (const [id, open] of Object.entries(this.current.expanded)) if (open) void this.loadSessions(id);
  }

  async newSession(projectId: string): Promise<Session> {
    const session = await this.api.createSession({ project_id: projectId });
    this.set((s) => ({ expanded: { ...s.expanded, [projectId]: true } }));
    void this.loadSessions(projectId);
    return session;
  }

  async setSessionStatus(session: Session, status: Status): Promise<SessionChange> {
    const updated = await this.api.updateSession(session.id, { status });
    await this.loadSessions(session.project_id);
    return updated;
  }
}
