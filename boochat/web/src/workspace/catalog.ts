// The sidebar's data: projects and their sessions (open ones, archived ones while "show
// archived" is on), which projects are expanded. One immutable value, replaced on every
// change and announced through `onChange`; the shell renders it with ui/sidebar.ts.

import type { Project, Session, Status } from "@boocode/types";
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
};

export function initialCatalog(): CatalogState {
  return { projects: null, projectsError: null, expanded: {}, sessions: {}, showArchived: false };
}

export type CatalogApi = Pick<Api, "projects" | "createProject" | "sessions" | "createSession" | "updateSession">;

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
      const [open, archived] = await Promise.all([
        this.api.sessions(projectId, "open"),
        this.current.showArchived ? this.api.sessions(projectId, "archived") : Promise.resolve(null),
      ]);
      this.set((s) => ({ sessions: { ...s.sessions, [projectId]: { open, archived, loading: false, error: null } } }));
    } catch (err) {
      this.set((s) => ({ sessions: { ...s.sessions, [projectId]: { ...prev, loading: false, error: errorText(err) } } }));
    }
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

  async setSessionStatus(session: Session, status: Status): Promise<Session> {
    const updated = await this.api.updateSession(session.id, { status });
    await this.loadSessions(session.project_id);
    return updated;
  }
}
