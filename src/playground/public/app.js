/* The playground page: polls the simulator's state and renders it; every action goes through the
   simulator as the selected person. Cards are drawn by the adaptivecards HTML renderer. */
(function () {
  'use strict';
  const hostConfig = new AdaptiveCards.HostConfig({
    fontFamily: 'system-ui, -apple-system, "Segoe UI", sans-serif',
    spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 12 },
    containerStyles: {
      default: {
        backgroundColor: '#FFFFFF',
        foregroundColors: { default: { default: '#1F1F23', subtle: '#6B6B76' }, attention: { default: '#D4322C' }, good: { default: '#1D8A3F' }, accent: { default: '#0A78CC' } },
      },
    },
    actions: { actionsOrientation: 'horizontal', actionAlignment: 'left', buttonSpacing: 8, maxActions: 5 },
  });
  let me = null;
  let lastState = '';

  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => (key.startsWith('on') ? node.addEventListener(key.slice(2), value) : node.setAttribute(key, value)));
    children.flat().forEach((child) => node.append(child instanceof Node ? child : document.createTextNode(String(child))));
    return node;
  };
  const post = (path, body) => fetch(`/playground/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(refresh);

  function renderCard(message) {
    const card = new AdaptiveCards.AdaptiveCard();
    card.hostConfig = hostConfig;
    card.onExecuteAction = (action) => {
      if (action instanceof AdaptiveCards.OpenUrlAction) window.open(action.url, '_blank');
      else if (action instanceof AdaptiveCards.SubmitAction) post('tap', { personId: me, messageId: message.id, inputs: action.data || {} });
    };
    card.parse(message.card);
    return el('div', { class: 'card' }, card.render());
  }

  function renderMessage(message) {
    const time = new Date(message.created).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return el('div', { class: `msg${message.parentId ? ' reply' : ''}`, 'data-from': message.from },
      el('div', { class: 'who' }, message.from, el('time', {}, time)),
      message.card ? renderCard(message) : el('div', { class: 'text' }, message.text),
      message.image ? el('img', { class: 'chart', src: message.image, alt: message.text }) : []);
  }

  const callLine = (person, call, line) => {
    const what = call.state === 'alerting' ? `${call.recall ? 'Ringing back' : 'Ringing'}: ${call.with}` : `On a call with ${call.with} (${call.state})`;
    const act = (action) => () => post('phone', { personId: person.id, callId: call.id, action, ...(line ? { lineId: line.id } : {}) });
    return el('div', { class: 'call' }, what, ' ',
      call.state === 'alerting' ? [el('button', { type: 'button', onclick: act('answer') }, 'Answer'), el('button', { type: 'button', onclick: act('hangup') }, 'Decline')]
        : el('button', { type: 'button', onclick: act('hangup') }, 'Hang up'));
  };

  /** "rings back Rita in 12 s": kept current between polls by tick(). */
  const countdown = (parked) => el('span', { class: 'countdown', 'data-recall-at': parked.recallAt, 'data-parker': parked.parkedBy }, '');
  function tick() {
    document.querySelectorAll('.countdown').forEach((node) => {
      const seconds = Math.max(0, Math.round((Date.parse(node.dataset.recallAt) - Date.now()) / 1000));
      node.textContent = ` · rings back ${node.dataset.parker} in ${seconds} s`;
    });
  }

  function render(state) {
    if (!me) me = state.people[0].id;
    document.getElementById('space-title').textContent = state.space.title;
    document.getElementById('people').replaceChildren(...state.people.map((person) => el('div', { class: `person${person.id === me ? ' me' : ''}` },
      el('label', {}, el('input', { type: 'radio', name: 'me', value: person.id, ...(person.id === me ? { checked: '' } : {}), onchange: () => { me = person.id; lastState = ''; refresh(); } }), ` ${person.name} · ${person.extension}`),
      el('div', { class: 'calls' }, person.calls.length ? person.calls.map((call) => callLine(person, call)) : 'No call'),
      (person.lines || []).map((line) => el('div', { class: 'line' },
        el('div', { class: 'line-name' }, `${line.name} ${line.number} (on this phone)`),
        el('div', { class: 'calls' }, line.calls.length ? line.calls.map((call) => callLine(person, call, line)) : 'No call'),
        el('button', { type: 'button', onclick: () => post('call', { lineId: line.id, fromName: prompt('Who is calling the main number?', 'Acme Corp') || 'Acme Corp' }) }, `Ring ${line.name}`))),
      el('ul', { class: 'devices' }, person.devices.map((device) => el('li', { class: device.ringing ? 'ringing' : '' }, `${device.ringing ? '🔔 ' : ''}${device.name}`))),
      el('button', { type: 'button', onclick: () => post('call', { personId: person.id, fromName: prompt('Who is calling?', 'Acme Corp') || 'Acme Corp' }) }, 'Ring'))));
    document.getElementById('parked').replaceChildren(...(state.parked.length ? state.parked.map((p) => el('div', { class: 'parked-call' },
      `${p.caller} on ${p.on}`, countdown(p), ' ',
      el('button', { type: 'button', onclick: () => post('pickup', { personId: me, parkedOn: p.on }) }, 'Pick up from a desk phone'),
      el('button', { type: 'button', onclick: () => post('caller-hangs-up', { parkedOn: p.on }) }, 'Caller hangs up'))) : [el('div', {}, 'Nothing parked')]));
    tick();
    const messages = document.getElementById('messages');
    const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
    messages.replaceChildren(...state.messages.map(renderMessage));
    if (atBottom) messages.scrollTop = messages.scrollHeight;
    const mine = state.people.find((person) => person.id === me);
    document.getElementById('private').replaceChildren(...(mine.privateMessages.length ? mine.privateMessages.map(renderMessage) : [el('div', { class: 'parked' }, `Nothing for ${mine.name} yet`)]));
  }

  async function refresh() {
    const response = await fetch('/playground/api/state');
    const text = await response.text();
    if (text !== lastState) {
      lastState = text;
      render(JSON.parse(text));
    }
  }

  document.getElementById('report').addEventListener('click', () => post('say', { personId: me, text: 'report' }));
  document.getElementById('chat').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('text');
    if (input.value.trim()) post('say', { personId: me, text: input.value.trim() });
    input.value = '';
  });
  refresh();
  setInterval(refresh, 700);
  setInterval(tick, 1000);
})();
