// The developer portal (CONTRACT.md §10, seed 000): three views over the /portal/v1 JSON API.
// No framework and no build step: the page must stay light and work on an offline machine.
const API = '/portal/v1';
const SESSION = 'cloudflow.portal.session';
const $ = (id) => document.getElementById(id);

const state = { settings: null };
let keepMessages = false;

/** Navigates to a view by its hash, keeping whatever message the caller shows next. */
function go(hash) {
  if (location.hash === hash) return;
  keepMessages = true;
  location.hash = hash;
}

// ---- API ---------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(
      body && typeof body.errorMessage === 'string'
        ? body.errorMessage
        : `The server answered HTTP ${status}`,
    );
    this.status = status;
    this.code = body && body.errorCode;
  }
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  const token = sessionStorage.getItem(SESSION);
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, {
      errorMessage: 'The portal is not reachable; check your connection and try again.',
    });
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

// ---- messages ----------------------------------------------------------------------------

function showAlert(message) {
  $('notice').hidden = true;
  $('alert').textContent = message;
  $('alert').hidden = false;
}

function showNotice(message) {
  $('alert').hidden = true;
  $('notice').textContent = message;
  $('notice').hidden = false;
}

function clearMessages() {
  $('alert').hidden = true;
  $('notice').hidden = true;
}

/** Runs a form's action with its submit button disabled; any API error lands in the alert. */
function onSubmit(form, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => (b.disabled = true));
    clearMessages();
    try {
      await action(Object.fromEntries(new FormData(form)));
    } catch (error) {
      if (
        error instanceof ApiError &&
        error.status === 401 &&
        form.id !== 'login-form' &&
        form.id !== 'reveal-form'
      ) {
        return expireSession(error.message);
      }
      showAlert(error instanceof Error ? error.message : String(error));
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  });
}

// ---- views -------------------------------------------------------------------------------

const VIEWS = ['login', 'signup', 'settings'];

function show(view) {
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  const signedIn = view === 'settings';
  $('nav-in').hidden = !signedIn;
  $('nav-out').hidden = signedIn;
  document.title = `${{ login: 'Log in', signup: 'Sign up', settings: 'Settings' }[view]} · Cloud Payments developer portal`;
  const heading = $(`view-${view}`).querySelector('h1');
  heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
}

async function route() {
  const wanted = location.hash.slice(1);
  if (!sessionStorage.getItem(SESSION)) return show(wanted === 'signup' ? 'signup' : 'login');
  if (wanted !== 'settings') history.replaceState(null, '', '#settings');
  await loadSettings();
}

async function loadSettings() {
  try {
    state.settings = await api('GET', '/settings');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401)
      return expireSession('Your session has ended. Please log in again.');
    show('settings');
    return showAlert(error.message);
  }
  renderSettings();
  show('settings');
}

function expireSession(message) {
  sessionStorage.removeItem(SESSION);
  go('#login');
  show('login');
  showAlert(message);
}

function renderSettings() {
  const { developer, company, adminUser, appKeys } = state.settings;
  $('who').textContent = developer.email;

  $('company-none').hidden = Boolean(company);
  $('company-details').hidden = !company;
  if (company) {
    $('company-name').textContent = company.name;
    $('tenant-id').textContent = company.tenantId;
    $('business-code').textContent = company.businessCode;
  }

  $('admin-none').hidden = Boolean(adminUser);
  $('admin-details').hidden = !adminUser;
  $('admin-open').disabled = !company;
  $('admin-hint').textContent = company
    ? 'The admin user is the main administrator of your business. Your name and email are used by default.'
    : 'Create your business profile first: the admin user belongs to a company.';
  if (adminUser) {
    $('admin-name').textContent = adminUser.name;
    $('admin-email').textContent = adminUser.email;
    $('admin-username').textContent = adminUser.username;
    $('admin-timezone').textContent = adminUser.timeZone;
  }

  // A sandbox developer has one key; a production tenant's first key is the portal's.
  const key = appKeys[0];
  $('key-none').hidden = Boolean(key);
  $('key-summary').hidden = !key;
  if (key) {
    $('key-prefix').textContent = `${key.prefix}…`;
    $('key-kind').textContent = key.kind;
    $('key-status').textContent = key.status;
    $('key-expiry').textContent = key.expiresAt ? new Date(key.expiresAt).toUTCString() : 'Never';
    const fmt = new Intl.NumberFormat('en');
    $('usage').textContent =
      `Usage today: ${fmt.format(key.usedToday)} of ${fmt.format(key.usageLimitPerDay)} requests`;
    $('usage-meter').max = key.usageLimitPerDay;
    $('usage-meter').value = key.usedToday;
    $('usage-meter').high = Math.floor(key.usageLimitPerDay * 0.8);
  }
  void loadUsageHistory(Boolean(key));
}

// ---- Usage chart (inline SVG built with DOM calls: the CSP allows no inline script or style) ----

const SVG_NS = 'http://www.w3.org/2000/svg';

function svg(name, attrs, text) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

async function loadUsageHistory(hasKey) {
  $('usage-history').hidden = true;
  if (!hasKey) return;
  let usage;
  try {
    usage = await api('GET', '/usage');
  } catch {
    return; // The chart is extra: the settings stay usable without it.
  }
  renderUsageChart(usage.days);
}

/** One bar per UTC day; the tallest day sets the scale; each bar's title gives the exact counts. */
function renderUsageChart(days) {
  const fmt = new Intl.NumberFormat('en');
  const count = (n, one) => `${fmt.format(n)} ${n === 1 ? one : `${one}s`}`;
  const width = 600;
  const height = 140;
  const top = 14;
  const bottom = 18;
  const plot = height - top - bottom;
  const max = Math.max(1, ...days.map((d) => d.requests));
  const step = width / days.length;
  const total = days.reduce((sum, d) => sum + d.requests, 0);
  const payments = days.reduce((sum, d) => sum + d.paymentsSync + d.paymentsAsync, 0);
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-labelledby': 'usage-history-caption',
    'data-max': max,
  });
  chart.append(svg('text', { x: 0, y: 10, class: 'axis' }, `${count(max, 'request')} a day`));
  days.forEach((d, i) => {
    const h = d.requests === 0 ? 0 : Math.max(1, Math.round((d.requests / max) * plot));
    const bar = svg('rect', {
      x: (i * step + 1).toFixed(1),
      y: top + plot - h,
      width: Math.max(1, step - 2).toFixed(1),
      height: h,
      class: i === days.length - 1 ? 'bar today' : 'bar',
      'data-day': d.day,
      'data-requests': d.requests,
    });
    bar.append(
      svg(
        'title',
        {},
        `${d.day}: ${count(d.requests, 'request')}, ${count(d.paymentsSync + d.paymentsAsync, 'payment')}`,
      ),
    );
    chart.append(bar);
  });
  chart.append(
    svg('line', { x1: 0, x2: width, y1: top + plot + 0.5, y2: top + plot + 0.5, class: 'baseline' }),
  );
  chart.append(svg('text', { x: 0, y: height - 4, class: 'axis' }, days[0].day));
  chart.append(
    svg('text', { x: width, y: height - 4, class: 'axis', 'text-anchor': 'end' }, days[days.length - 1].day),
  );
  $('usage-chart').replaceChildren(chart);
  $('usage-history-total').textContent =
    `${count(total, 'request')} and ${count(payments, 'payment')} in the last ${days.length} days.`;
  $('usage-history').hidden = false;
}

function timeZones() {
  const names = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', ...names])];
}

function openAdminForm() {
  const { developer } = state.settings;
  const form = $('admin-form');
  form.elements.name.value = developer.name;
  form.elements.email.value = developer.email;
  const select = form.elements.timeZone;
  if (select.options.length === 0) {
    for (const name of timeZones()) select.add(new Option(name.replaceAll('_', ' '), name));
  }
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  select.value = [...select.options].some((o) => o.value === local) ? local : 'UTC';
  form.hidden = false;
  $('admin-open').hidden = true;
  form.elements.username.focus();
}

function closeForm(which) {
  $(`${which}-form`).hidden = true;
  $(`${which}-form`).reset();
  $(`${which}-open`).hidden = false;
}

// ---- wiring ------------------------------------------------------------------------------

onSubmit($('signup-form'), async (data) => {
  await api('POST', '/signup', { name: data.name, email: data.email, password: data.password });
  $('signup-form').reset();
  go('#login');
  show('login');
  $('login-form').elements.email.value = data.email;
  showNotice(
    'Your developer account is ready and your sandbox APP key has been generated. Log in to see it.',
  );
});

onSubmit($('login-form'), async (data) => {
  const { sessionToken } = await api('POST', '/login', { email: data.email, password: data.password });
  sessionStorage.setItem(SESSION, sessionToken);
  $('login-form').reset();
  if (location.hash === '#settings') await loadSettings();
  else go('#settings');
});

onSubmit($('company-form'), async (data) => {
  await api('POST', '/company', { name: data.name });
  closeForm('company');
  await loadSettings();
  showNotice('Business profile created. Keep your tenant ID and business code on hand.');
});

onSubmit($('admin-form'), async (data) => {
  const body = {
    name: data.name,
    email: data.email,
    username: data.username,
    password: data.password,
    timeZone: data.timeZone,
  };
  if (data.pin) body.pin = data.pin;
  await api('POST', '/admin-user', body);
  closeForm('admin');
  await loadSettings();
  showNotice(`Admin user ${data.username} created.`);
});

onSubmit($('reveal-form'), async (data) => {
  const { appKey } = await api('POST', '/app-key/reveal', { password: data.password });
  $('reveal-form').reset();
  $('app-key').value = appKey;
  $('reveal-form').hidden = true;
  $('key-revealed').hidden = false;
  $('app-key').select();
});

$('hide-key').addEventListener('click', () => {
  $('app-key').value = '';
  $('key-revealed').hidden = true;
  $('reveal-form').hidden = false;
});

$('copy-key').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText($('app-key').value);
    showNotice('APP key copied to the clipboard.');
  } catch {
    $('app-key').select();
    showNotice('Press Ctrl+C (or ⌘C) to copy the selected key.');
  }
});

$('company-open').addEventListener('click', () => {
  $('company-form').hidden = false;
  $('company-open').hidden = true;
  $('company-form').elements.name.focus();
});
$('admin-open').addEventListener('click', openAdminForm);
for (const button of document.querySelectorAll('[data-cancel]')) {
  button.addEventListener('click', () => closeForm(button.dataset.cancel));
}

$('logout').addEventListener('click', () => {
  // Ends the session on the server too (a copied token stops working); the page does not wait for it.
  const token = sessionStorage.getItem(SESSION);
  if (token) {
    fetch(API + '/logout', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      cache: 'no-store',
    }).catch(() => undefined);
  }
  sessionStorage.removeItem(SESSION);
  state.settings = null;
  $('app-key').value = '';
  $('key-revealed').hidden = true;
  $('reveal-form').hidden = false;
  go('#login');
  show('login');
  showNotice('You are logged out.');
});

// Messages belong to the action that caused them: a plain navigation clears them, a navigation
// made by an action (sign-up done → log in) keeps the message the action just showed.
window.addEventListener('hashchange', () => {
  if (!keepMessages) clearMessages();
  keepMessages = false;
  void route();
});

void route();
