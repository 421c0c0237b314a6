// Sightline browser UI: a conversation (its turns kept in this tab's sessionStorage) whose turns are
// streamed from /v1/chat/completions, or, with a document chosen, from /api/documents/ask (Server-Sent
// Events, the earlier turns sent as its history); answers rendered as sanitised Markdown; the anonymised images or pages the model saw
// (the cited pages outlined), the moderation notes and the AI disclosure; thumbs-up/down feedback.
// No framework, no build step. URLs are relative, so the page works under any context root.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const keyInput = $('api-key');
  // The key lives for this browser session only, unless the user asks to remember it.
  keyInput.value = sessionStorage.getItem('sightline.key') || localStorage.getItem('sightline.key') || '';
  $('remember-key').checked = localStorage.getItem('sightline.key') !== null;
  let requestId = null;
  let running = null; // the AbortController of the answer being streamed
  let answerText = ''; // the answer as generated (Markdown source)

  // Markdown to HTML that cannot run script: marked parses, DOMPurify removes what is not inert.
  const markdown = (text) => DOMPurify.sanitize(marked.parse(text));
  window.sightlineMarkdown = markdown;

  function showAnswer(text) {
    answerText = text;
    $('answer').innerHTML = markdown(text);
    $('copy').hidden = !text;
  }

  // The conversation: OpenAI messages of the earlier turns, kept for this tab only.
  const CONVERSATION = 'sightline.conversation';
  let conversation = [];
  try { conversation = JSON.parse(sessionStorage.getItem(CONVERSATION)) || []; } catch (e) { conversation = []; }

  function saveConversation() {
    try {
      sessionStorage.setItem(CONVERSATION, JSON.stringify(conversation));
    } catch (full) {
      // Over the storage quota (images): keep the words; the images stay in this page until it closes.
      const words = conversation.map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : m.content.filter((p) => p.type === 'text') }));
      try { sessionStorage.setItem(CONVERSATION, JSON.stringify(words)); } catch (e) { sessionStorage.removeItem(CONVERSATION); }
    }
  }

  function showConversation() {
    const list = $('conversation');
    list.textContent = '';
    conversation.forEach((m) => {
      const li = document.createElement('li');
      li.className = 'turn ' + m.role;
      const who = document.createElement('span');
      who.className = 'who';
      who.textContent = m.role === 'user' ? 'You' : 'Model';
      const body = document.createElement('div');
      if (m.role === 'assistant') {
        body.innerHTML = markdown(m.content);
      } else {
        const parts = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
        const images = parts.filter((p) => p.type === 'image_url').length;
        body.textContent = parts.filter((p) => p.type === 'text').map((p) => p.text).join(' ') + (images ? ' [' + images + ' image(s)]' : '')
          + (m.document ? ' [document: ' + m.document + ']' : '');
      }
      li.append(who, body);
      list.appendChild(li);
    });
    $('conversation-empty').hidden = conversation.length > 0;
    $('regenerate').disabled = conversation.length < 2;
  }
  showConversation();

  function keepKey(key) {
    sessionStorage.setItem('sightline.key', key);
    if ($('remember-key').checked) localStorage.setItem('sightline.key', key); else localStorage.removeItem('sightline.key');
  }

  function readFile(file) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(r.result);
      r.onerror = () => reject(r.error);
      r.readAsDataURL(file);
    });
  }

  // The model's state before the first question: loading (with progress), failed, or the embedded stand-in.
  async function watchModel() {
    const warn = $('model-warning');
    try {
      const res = await fetch('/health/ready');
      const body = await res.json();
      const data = ((body.checks || []).find((c) => c.name === 'model') || {}).data || {};
      if (res.ok) {
        if (data.warning) { warn.textContent = data.warning; warn.hidden = false; } else { warn.hidden = true; }
        return;
      }
      warn.textContent = data.load_error ? 'The model failed to load: ' + data.load_error
        : 'The model is loading' + (data.loading ? ' (' + data.loading + ')' : '') + '; questions wait until it is ready.';
      warn.hidden = false;
      if (!data.load_error) setTimeout(watchModel, 2000);
    } catch (e) {
      setTimeout(watchModel, 5000);
    }
  }
  watchModel();

  function note(text) {
    const li = document.createElement('li');
    li.textContent = text;
    $('notes').appendChild(li);
  }

  function showExtension(ext) {
    if (!ext) return;
    requestId = ext.request_id || requestId;
    if (ext.ai_disclosure) $('disclosure').textContent = ext.ai_disclosure;
    if (ext.warning) { $('model-warning').textContent = ext.warning; $('model-warning').hidden = false; }
    (ext.images || []).forEach((src, i) => {
      const img = document.createElement('img');
      img.src = src;
      img.alt = 'Image ' + (i + 1) + ' as the model saw it (' + ((ext.faces_anonymized || [])[i] || 0) + ' face(s) anonymised)';
      $('seen').appendChild(img);
    });
    (ext.faces_anonymized || []).forEach((n, i) => note('Image ' + (i + 1) + ': ' + n + ' face(s) anonymised.'));
    (ext.image_warnings || []).forEach((w) => note(w));
    const m = ext.moderation || {};
    ['input', 'output'].forEach((d) => {
      const r = m[d];
      if (!r) return;
      const cats = (r.categories || []).map((c) => c.code + ' ' + c.name + ' (severity ' + c.severity + ')').join(', ');
      note('Moderation of the ' + d + ': ' + r.action + (cats ? ' — ' + cats : '') + ((r.pii || []).length ? ' — personal data: ' + r.pii.join(', ') : ''));
    });
  }

  // A page thumbnail as the model saw it; selecting it shows it large (keyboard too).
  function pageFigure(src, number, faces) {
    const fig = document.createElement('figure');
    fig.dataset.page = number;
    const img = document.createElement('img');
    img.src = src;
    img.alt = 'Page ' + number + ' as the model saw it (' + faces + ' face(s) anonymised)';
    img.tabIndex = 0;
    const toggle = () => fig.classList.toggle('large');
    img.addEventListener('click', toggle);
    img.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
    const cap = document.createElement('figcaption');
    cap.textContent = 'Page ' + number;
    fig.append(img, cap);
    return fig;
  }

  // Reads Server-Sent Events from a fetch response, calling onData with each event's data.
  async function readEvents(res, onData) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let i;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (!event.startsWith('data: ')) continue;
        const data = event.slice(6);
        if (data !== '[DONE]') onData(JSON.parse(data));
      }
    }
  }

  async function failed(res) {
    const err = await res.json().catch(() => ({}));
    const retry = res.headers.get('Retry-After');
    $('status').textContent = 'Error ' + res.status + ': ' + ((err.error && err.error.message) || err.detail || res.statusText)
      + (retry ? ' (retry in ' + retry + ' s)' : '');
  }

  // The earlier turns as text (a document question carries the conversation, not its images).
  function textTurns() {
    return conversation.map((m) => ({
      role: m.role,
      content: typeof m.content === 'string' ? m.content : m.content.filter((p) => p.type === 'text').map((p) => p.text).join(' ')
    }));
  }

  // Tokens and timing of a finished answer, for the status line.
  function usageLine(usage, sent, first, end) {
    if (!usage) return '';
    let line = ' ' + usage.completion_tokens + ' tokens; prompt ' + usage.prompt_tokens + ' tokens';
    if (first !== null) {
      line += '; first text after ' + ((first - sent) / 1000).toFixed(1) + ' s';
      if (end > first && usage.completion_tokens > 1) line += ', then ' + (usage.completion_tokens / ((end - first) / 1000)).toFixed(1) + ' tokens/s';
    }
    return line + '.';
  }

  // A question about a document, inside the conversation: its pages are read, anonymised and shown
  // to the model with the earlier turns; the answer cites them and joins the conversation.
  async function askDocument(key, file, turn) {
    const question = turn.content;
    const form = new FormData();
    form.append('document', file);
    form.append('question', question);
    if (conversation.length) form.append('history', JSON.stringify(textTurns()));
    form.append('max_tokens', String(Number($('max-tokens').value) || 64));
    form.append('stream', 'true');
    form.append('return_images', 'true');
    const sent = performance.now();
    const res = await fetch('api/documents/ask', {
      method: 'POST', headers: { 'Authorization': 'Bearer ' + key }, body: form, signal: running.signal
    });
    if (!res.ok) return failed(res);
    $('status').textContent = 'Answering…';
    let finish = null, usage = null, first = null;
    await readEvents(res, (ev) => {
      if (ev.type === 'pages') {
        requestId = ev.request_id;
        (ev.images || []).forEach((src, i) => $('seen').appendChild(pageFigure(src, ev.pages_shown[i], (ev.faces_anonymized || [])[i] || 0)));
        note('Pages shown to the model: ' + ev.pages_shown.join(', ') + ' of ' + ev.total_pages + '.');
      } else if (ev.type === 'delta') {
        if (first === null) first = performance.now();
        showAnswer(answerText + ev.content);
      } else if (ev.type === 'done') {
        finish = ev.finish_reason;
        usage = ev.usage || null;
        if (ev.answer !== undefined) showAnswer(ev.answer);
        const cited = ev.citations || [];
        note(cited.length ? 'The answer cites page ' + cited.join(', ') + '.' : 'The answer cites no page.');
        document.querySelectorAll('#seen figure').forEach((f) => f.classList.toggle('cited', cited.includes(Number(f.dataset.page))));
        showExtension({ ai_disclosure: ev.ai_disclosure, warning: ev.warning, moderation: ev.moderation });
      } else if (ev.type === 'error') {
        $('status').textContent = 'Error: ' + ev.message;
      }
    });
    if (finish) {
      $('status').textContent = 'Done (' + finish + ').' + usageLine(usage, sent, first, performance.now());
      $('feedback').hidden = false;
      if (finish !== 'content_filter' && finish !== 'error') {
        conversation.push(turn, { role: 'assistant', content: answerText });
        saveConversation();
      }
    }
  }

  // Images to send: those chosen in the file input, dropped or pasted; each shown as a preview.
  let extraImages = [];

  function showPreviews() {
    const box = $('previews');
    box.querySelectorAll('img').forEach((img) => URL.revokeObjectURL(img.src));
    box.textContent = '';
    [...$('images').files, ...extraImages].forEach((file, i, all) => {
      const fig = document.createElement('figure');
      const img = document.createElement('img');
      img.src = URL.createObjectURL(file);
      img.alt = 'Image ' + (i + 1) + ' of ' + all.length + ' to send';
      fig.appendChild(img);
      if (i >= $('images').files.length) {
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.textContent = '×';
        remove.setAttribute('aria-label', 'Remove image ' + (i + 1));
        remove.addEventListener('click', () => { extraImages.splice(i - $('images').files.length, 1); showPreviews(); });
        fig.appendChild(remove);
      }
      box.appendChild(fig);
    });
  }

  function addImages(files) {
    const images = [...files].filter((f) => f.type.startsWith('image/'));
    if (!images.length) return false;
    extraImages.push(...images);
    showPreviews();
    return true;
  }

  // An image as a data URL, scaled down so its long side is at most 1344 pixels (what the model reads at 16 tiles).
  async function scaledDataUrl(file) {
    const bitmap = await createImageBitmap(file).catch(() => null);
    if (!bitmap) return readFile(file); // not decodable here: the server says what is wrong with it
    const scale = Math.min(1, 1344 / Math.max(bitmap.width, bitmap.height));
    if (scale === 1) { bitmap.close(); return readFile(file); }
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return canvas.toDataURL('image/jpeg', 0.92);
  }

  // The user turn of a new question: its images (as data URLs) and its words.
  async function userTurn() {
    const parts = [];
    for (const f of [...$('images').files, ...extraImages]) parts.push({ type: 'image_url', image_url: { url: await scaledDataUrl(f) } });
    parts.push({ type: 'text', text: $('question').value });
    return { role: 'user', content: parts };
  }

  // One turn of the conversation, streamed from the OpenAI-compatible endpoint; a finished answer joins the conversation.
  async function askChat(key, turn) {
    const messages = [];
    if ($('system-prompt').value.trim()) messages.push({ role: 'system', content: $('system-prompt').value.trim() });
    messages.push(...conversation.map((m) => ({ role: m.role, content: m.content })), turn);
    const body = {
      model: 'phi-3.5-vision-instruct',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: Number($('max-tokens').value) || 64,
      temperature: Number($('temperature').value) || 0,
      messages: messages,
      sightline: { return_images: true }
    };
    if ($('num-crops').value) body.sightline.num_crops = Number($('num-crops').value);
    const sent = performance.now();
    const res = await fetch('v1/chat/completions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + key },
      body: JSON.stringify(body),
      signal: running.signal
    });
    if (!res.ok) return failed(res);
    $('status').textContent = 'Answering…';
    let finish = null, usage = null, first = null;
    await readEvents(res, (chunk) => {
      const choice = (chunk.choices || [])[0];
      if (choice && choice.delta && choice.delta.content) {
        if (first === null) first = performance.now();
        showAnswer(answerText + choice.delta.content);
      }
      if (choice && choice.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
      if (chunk.sightline) showExtension(chunk.sightline);
    });
    $('status').textContent = 'Done (' + (finish || 'stop') + ').' + usageLine(usage, sent, first, performance.now());
    $('feedback').hidden = false;
    if (finish !== 'content_filter' && finish !== 'error') {
      conversation.push(turn, { role: 'assistant', content: answerText });
      saveConversation();
    }
  }

  async function ask(ev) {
    ev.preventDefault();
    return run(null);
  }

  // Asks again for the last answer of the conversation (another draw at a temperature above 0);
  // should that fail or be stopped, the earlier answer stays.
  async function regenerate() {
    if (conversation.length < 2 || running) return;
    const turn = conversation[conversation.length - 2];
    const removed = conversation.splice(conversation.length - 2, 2);
    saveConversation();
    await run(turn);
    if (!conversation.includes(turn)) {
      conversation.push(...removed);
      saveConversation();
      showConversation();
    }
  }

  async function run(again) {
    const key = keyInput.value.trim();
    keepKey(key);
    showConversation();
    showAnswer('');
    $('seen').textContent = '';
    $('notes').textContent = '';
    $('feedback').hidden = true;
    $('status').textContent = 'Sending…';
    $('ask').disabled = true;
    running = new AbortController();
    $('stop').disabled = false;
    try {
      const documentFile = $('document').files[0];
      if (again && again.document && (!documentFile || documentFile.name !== again.document)) {
        $('status').textContent = 'Choose ' + again.document + ' again to regenerate this answer.';
      } else if (documentFile && (!again || again.document)) {
        await askDocument(key, documentFile, again || { role: 'user', content: $('question').value, document: documentFile.name });
      } else {
        await askChat(key, again || await userTurn());
        if (!again) { extraImages = []; $('images').value = ''; showPreviews(); }
      }
      showConversation();
    } catch (e) {
      // Stopping closes the connection; the server notices and stops generating.
      $('status').textContent = e.name === 'AbortError' ? 'Stopped.' : 'Error: ' + e.message;
    } finally {
      $('ask').disabled = false;
      $('stop').disabled = true;
      running = null;
    }
  }

  async function feedback(rating) {
    if (!requestId) return;
    const res = await fetch('api/feedback', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + keyInput.value.trim() },
      body: JSON.stringify({ request_id: requestId, rating: rating, comment: $('feedback-comment').value || undefined })
    });
    $('status').textContent = res.ok ? 'Thank you for the feedback.' : 'Feedback failed (' + res.status + ').';
  }

  $('ask-form').addEventListener('submit', ask);
  $('images').addEventListener('change', showPreviews);
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    addImages(e.dataTransfer.files);
  });
  document.addEventListener('paste', (e) => {
    if (e.clipboardData && addImages(e.clipboardData.files)) e.preventDefault();
  });
  $('regenerate').addEventListener('click', regenerate);
  $('new-conversation').addEventListener('click', () => {
    conversation = [];
    saveConversation();
    showConversation();
    showAnswer('');
    $('status').textContent = 'New conversation.';
  });
  $('copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(answerText);
      $('status').textContent = 'Answer copied.';
    } catch (e) {
      $('status').textContent = 'Copying is not allowed here: select the text instead.';
    }
  });
  $('stop').addEventListener('click', () => { if (running) running.abort(); });
  $('remember-key').addEventListener('change', () => keepKey(keyInput.value.trim()));
  $('thumbs-up').addEventListener('click', () => feedback('up'));
  $('thumbs-down').addEventListener('click', () => feedback('down'));
})();
