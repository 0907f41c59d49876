// Paths of boochat's API (relative to `./api/`, see @boocode/common/api), with ids escaped.

export const paths = {
  projects: () => "projects",
  sessions: () => "sessions",
  session: (id: string) => `sessions/${encodeURIComponent(id)}`,
  sessionChats: (id: string) => `sessions/${encodeURIComponent(id)}/chats`,
  chat: (id: string) => `chats/${encodeURIComponent(id)}`,
  fork: (id: string) => `chats/${encodeURIComponent(id)}/fork`,
  messages: (id: string) => `chats/${encodeURIComponent(id)}/messages`,
  attachment: (messageId: string, ordinal: number) => `messages/${encodeURIComponent(messageId)}/attachments/${ordinal}`,
  stop: (id: string) => `chats/${encodeURIComponent(id)}/stop`,
  compact: (id: string) => `chats/${encodeURIComponent(id)}/compact`,
  answers: (id: string) => `chats/${encodeURIComponent(id)}/answers`,
  message: (chat: string, message: string, action: "regenerate" | "edit") =>
    `chats/${encodeURIComponent(chat)}/messages/${encodeURIComponent(message)}/${action}`,
  branch: (id: string) => `chats/${encodeURIComponent(id)}/branch`,
  exportChat: (id: string) => `chats/${encodeURIComponent(id)}/export`,
  importChat: (session: string) => `sessions/${encodeURIComponent(session)}/import`,
  search: () => "search",
  models: () => "models",
  agents: () => "agents",
  mcp: () => "mcp",
  inbox: () => "inbox",
  tags: () => "tags",
  settings: () => "settings",
} as const;
