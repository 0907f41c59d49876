// boochat's REST API, typed with the wire types generated from boo-shared.

import type {
  AgentsInfo,
  Chat,
  CreateChat,
  CreateProject,
  CreateSession,
  MessageAccepted,
  MessageWindow,
  ModelsInfo,
  Project,
  Session,
  Status,
  StopResult,
  UpdateChat,
  UpdateSession,
} from "@boocode/types";
import { ApiClient } from "@boocode/common/api";
import { paths } from "./urls";

export { ApiError } from "@boocode/common/api";

export class Api extends ApiClient {
  projects = (): Promise<Project[]> => this.all<Project>(paths.projects());
  createProject = (body: CreateProject): Promise<Project> => this.request("POST", paths.projects(), { body });

  sessions = (projectId: string, status: Status): Promise<Session[]> =>
    this.all<Session>(paths.sessions(), { project_id: projectId, status });
  session = (id: string): Promise<Session> => this.request("GET", paths.session(id));
  createSession = (body: CreateSession): Promise<Session> => this.request("POST", paths.sessions(), { body });
  updateSession = (id: string, body: UpdateSession): Promise<Session> => this.request("PATCH", paths.session(id), { body });

  chats = (sessionId: string): Promise<Chat[]> => this.all<Chat>(paths.sessionChats(sessionId));
  createChat = (sessionId: string, body: CreateChat = {}): Promise<Chat> =>
    this.request("POST", paths.sessionChats(sessionId), { body });
  updateChat = (id: string, body: UpdateChat): Promise<Chat> => this.request("PATCH", paths.chat(id), { body });
  forkChat = (id: string, messageId?: string): Promise<Chat> =>
    this.request("POST", paths.fork(id), { body: messageId === undefined ? {} : { message_id: messageId } });

  messages = (chatId: string, before?: string, limit = 50): Promise<MessageWindow> =>
    this.request("GET", paths.messages(chatId), { query: { before, limit } });
  send = (chatId: string, content: string): Promise<MessageAccepted> =>
    this.request("POST", paths.messages(chatId), { body: { content } });
  stop = (chatId: string): Promise<StopResult> => this.request("POST", paths.stop(chatId));
  answer = (chatId: string, callId: string, answer: string): Promise<void> =>
    this.request("POST", paths.answers(chatId), { body: { call_id: callId, answer } });

  models = (): Promise<ModelsInfo> => this.request("GET", paths.models());
  agents = (): Promise<AgentsInfo> => this.request("GET", paths.agents());
}
