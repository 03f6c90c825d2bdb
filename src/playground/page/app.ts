import { errorText } from './error-text.js';
import { readSseData } from './sse-events.js';

/** sessionStorage only: the key lives as long as the tab and never goes into a URL. */
const KEY_STORAGE = 'llm-chat-api.api-key';

interface ModelsBody {
  default: string;
  models: string[];
}

interface ConversationBody {
  conversation_id: string;
  messages: { role: 'user' | 'assistant'; content: string }[];
  system_prompt: string | null;
  total_tokens: number;
  total_cost: number | null;
}

/** One `data:` event of POST /api/v1/chat/stream (see the API contract). */
interface StreamEvent {
  delta: string;
  conversation_id: string;
  finished: boolean;
  model?: string;
  tokens_used?: number | null;
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  cost_estimate?: number | null;
  error?: { error: string; message: string };
}

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page has no #${id}`);
  return found;
}

const ui = {
  apiKey: element('api-key', HTMLInputElement),
  model: element('model', HTMLSelectElement),
  systemPrompt: element('system-prompt', HTMLTextAreaElement),
  temperature: element('temperature', HTMLInputElement),
  maxTokens: element('max-tokens', HTMLInputElement),
  conversationId: element('conversation-id', HTMLElement),
  newConversation: element('new-conversation', HTMLButtonElement),
  openForm: element('open-form', HTMLFormElement),
  openId: element('open-id', HTMLInputElement),
  transcript: element('transcript', HTMLElement),
  error: element('error', HTMLElement),
  composer: element('composer', HTMLFormElement),
  message: element('message', HTMLTextAreaElement),
  send: element('send', HTMLButtonElement),
  stop: element('stop', HTMLButtonElement),
};

let conversationId: string | undefined;
let inFlight: AbortController | undefined;

function apiHeaders(headers: Record<string, string> = {}): Headers {
  const all = new Headers(headers);
  const key = ui.apiKey.value.trim();
  if (key !== '') all.set('Authorization', `Bearer ${key}`);
  return all;
}

function showError(text?: string): void {
  ui.error.textContent = text ?? '';
  ui.error.hidden = text === undefined;
}

async function failureText(res: Response): Promise<string> {
  const body: unknown = await res.json().catch(() => undefined);
  return errorText(res.status, body);
}

function setConversation(id: string | undefined): void {
  conversationId = id;
  ui.conversationId.textContent = id ?? 'new';
}

function setBusy(busy: boolean): void {
  ui.send.disabled = busy;
  ui.stop.disabled = !busy;
}

/** Model text only ever goes in as text: the answer may contain markup, which must stay inert. */
function appendMessage(turn: HTMLElement, role: 'user' | 'assistant', text: string): HTMLElement {
  const message = document.createElement('div');
  message.className = `message ${role}`;
  message.textContent = text;
  turn.append(message);
  return message;
}

function appendTurn(): HTMLElement {
  const turn = document.createElement('article');
  turn.className = 'turn';
  ui.transcript.append(turn);
  return turn;
}

function appendMeta(parent: HTMLElement, text: string): HTMLElement {
  const meta = document.createElement('p');
  meta.className = 'meta';
  meta.textContent = text;
  parent.append(meta);
  return meta;
}

function costText(cost: number | null | undefined): string {
  return cost === null || cost === undefined ? 'cost unknown' : `$${cost.toFixed(6)}`;
}

function usageText(event: StreamEvent, cached: boolean, firstTokenMs: number | undefined): string {
  const tokens =
    event.tokens_used === null || event.tokens_used === undefined
      ? 'tokens unknown'
      : `${event.tokens_used} tokens (${event.prompt_tokens ?? '?'} in, ${event.completion_tokens ?? '?'} out)`;
  return [
    event.model ?? 'model unknown',
    tokens,
    costText(event.cost_estimate),
    cached ? 'cached' : 'not cached',
    firstTokenMs === undefined ? 'no tokens' : `first token ${Math.round(firstTokenMs)} ms`,
  ].join(' · ');
}

function optionalNumber(input: HTMLInputElement): number | undefined {
  return input.value.trim() === '' ? undefined : Number(input.value);
}

function chatBody(message: string): Record<string, unknown> {
  const systemPrompt = ui.systemPrompt.value.trim();
  return {
    message,
    conversation_id: conversationId,
    system_prompt: systemPrompt === '' ? undefined : systemPrompt,
    temperature: optionalNumber(ui.temperature),
    max_tokens: optionalNumber(ui.maxTokens),
    model: ui.model.value === '' ? undefined : ui.model.value,
  };
}

async function send(message: string): Promise<void> {
  showError();
  const turn = appendTurn();
  appendMessage(turn, 'user', message);
  const answer = appendMessage(turn, 'assistant', '');
  const meta = appendMeta(turn, 'Waiting for the first token…');
  const stop = new AbortController();
  inFlight = stop;
  setBusy(true);
  const started = performance.now();
  let firstTokenMs: number | undefined;
  answer.classList.add('streaming');
  try {
    const res = await fetch('/api/v1/chat/stream', {
      method: 'POST',
      headers: apiHeaders({ 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
      body: JSON.stringify(chatBody(message)),
      signal: stop.signal,
    });
    if (!res.ok || res.body === null) {
      meta.textContent = 'Not answered.';
      showError(await failureText(res));
      return;
    }
    setConversation(res.headers.get('X-Conversation-ID') ?? conversationId);
    // Streams are not served from the cache today; the header says so if that changes.
    const cached = res.headers.get('X-Cache') === 'HIT';
    let last: StreamEvent | undefined;
    for await (const data of readSseData(res.body)) {
      last = data as StreamEvent;
      if (last.delta !== '') {
        firstTokenMs ??= performance.now() - started;
        answer.append(last.delta);
        meta.textContent = 'Streaming…';
      }
    }
    if (last?.finished !== true || last.error !== undefined) {
      meta.textContent = 'Cut short.';
      const why = last?.error
        ? `${last.error.message} (${last.error.error})`
        : 'the stream ended early';
      showError(`The answer was cut short: ${why}.`);
    } else {
      meta.textContent = usageText(last, cached, firstTokenMs);
    }
  } catch (error) {
    if (stop.signal.aborted) {
      meta.textContent = 'Stopped: this turn is not saved in the conversation.';
    } else {
      meta.textContent = 'Not answered.';
      showError(`Could not reach the service (${String(error)}).`);
    }
  } finally {
    answer.classList.remove('streaming');
    if (inFlight === stop) inFlight = undefined;
    setBusy(false);
  }
}

function renderConversation(conversation: ConversationBody): void {
  ui.transcript.replaceChildren();
  const cost = costText(conversation.total_cost);
  appendMeta(
    ui.transcript,
    `Reopened: ${conversation.messages.length} messages · ${conversation.total_tokens} tokens · ${cost}`,
  );
  let turn: HTMLElement | undefined;
  for (const { role, content } of conversation.messages) {
    if (role === 'user' || turn === undefined) turn = appendTurn();
    appendMessage(turn, role, content);
  }
  ui.systemPrompt.value = conversation.system_prompt ?? '';
  setConversation(conversation.conversation_id);
}

async function openConversation(id: string): Promise<void> {
  inFlight?.abort();
  showError();
  try {
    const res = await fetch(`/api/v1/conversations/${encodeURIComponent(id)}`, {
      headers: apiHeaders(),
    });
    if (!res.ok) return showError(await failureText(res));
    renderConversation((await res.json()) as ConversationBody);
  } catch (error) {
    showError(`Could not reach the service (${String(error)}).`);
  }
}

async function loadModels(): Promise<void> {
  try {
    const res = await fetch('/api/v1/models', { headers: apiHeaders() });
    if (!res.ok) return showError(await failureText(res));
    const { default: chosen, models } = (await res.json()) as ModelsBody;
    ui.model.replaceChildren(
      ...models.map((name) => new Option(name, name, name === chosen, name === chosen)),
    );
    showError();
  } catch (error) {
    showError(`Could not reach the service (${String(error)}).`);
  }
}

function submitMessage(): void {
  const message = ui.message.value.trim();
  if (message === '' || inFlight !== undefined) return;
  ui.message.value = '';
  void send(message);
}

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  submitMessage();
});

ui.message.addEventListener('keydown', (event) => {
  // Shift+Enter keeps the newline; Enter while an input method composes a word is not a send.
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  submitMessage();
});

ui.stop.addEventListener('click', () => inFlight?.abort());

ui.newConversation.addEventListener('click', () => {
  inFlight?.abort();
  ui.transcript.replaceChildren();
  showError();
  setConversation(undefined);
  ui.message.focus();
});

ui.openForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const id = ui.openId.value.trim();
  if (id !== '') void openConversation(id);
});

ui.apiKey.value = sessionStorage.getItem(KEY_STORAGE) ?? '';
ui.apiKey.addEventListener('change', () => {
  sessionStorage.setItem(KEY_STORAGE, ui.apiKey.value.trim());
  void loadModels();
});

setConversation(undefined);
setBusy(false);
void loadModels();
