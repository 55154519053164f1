// SPDX-License-Identifier: LGPL-2.1-or-later
// Portal page of the reference unlock service. Plain JavaScript, no framework, no third-party code.
'use strict';

const TEXT = {
  tr: {
    brand: 'Açık AKİS Kilit Çözme Servisi',
    logout: 'Çıkış',
    loginTitle: 'Giriş',
    loginNote: 'Bu başvuru örneğinde yerel hesap, kimlik doğrulama geçidinin (e-Devlet) yerini tutar.',
    username: 'Kullanıcı adı',
    password: 'Parola',
    signIn: 'Giriş yap',
    loginFailed: 'Kullanıcı adı ya da parola hatalı.',
    rateLimited: 'Çok fazla deneme yapıldı. Bir süre bekleyip yeniden deneyin.',
    pinTitle: 'PIN Oluşturma / Kilit Çözme',
    welcome: 'Hoş geldiniz, {name}.',
    step1: 'Elektronik imza sertifikanızın bulunduğu kartınızı bilgisayarınıza takınız.',
    step2: 'Bilgisayarınızda "akis unlock" komutunu çalıştırınız.',
    step3: 'Aşağıdaki doğrulama kodunu kopyalayıp uygulamaya giriniz.',
    step4: 'Uygulamada kartınızı seçip yeni PIN\'inizi iki kez giriniz (6-12 hane).',
    notPuk: 'Bu doğrulama kodunu yalnızca bu işlem için kullanınız. PUK kodu olarak kesinlikle kullanmayınız.',
    getCode: 'Kod Al',
    codeTitle: 'Doğrulama Kodu',
    remaining: 'Kalan süre:',
    seconds: 'saniye',
    expired: 'Kodun süresi doldu. Yeni kod alınız.',
    newCode: 'Tekrar Kod Al',
    failed: 'İşlem yapılamadı. Yeniden deneyin.',
    neverShare: 'Bu kodu kimseyle paylaşmayınız: telefonda, e-postada ya da mesajla isteyen kişi görevli olsa bile. ' +
      'Kodu bilen ve kartınızı ele geçiren biri kartınızın PIN\'ini değiştirebilir.',
    cardFor: 'Kodun verileceği kart:',
    historyTitle: 'Kartlarınızın kilit çözme geçmişi',
    noHistory: 'Henüz kayıt yok.',
    unlock_authorized: 'kilit çözme onaylandı',
    unlock_refused: 'kilit çözme reddedildi',
    code_refused: 'kod reddedildi',
    eonayGet: 'E-Onay ver',
    eonayStep: 'Kartınız takılıyken "akis eonay KOD" komutunu çalıştırınız; metni okuyup PIN\'inizle imzalayınız.',
    eonayGiven: 'E-Onay verildi: {date}',
    eonayNone: 'E-Onay verilmedi.',
    eonayWithdraw: 'Daha önce vermiş olduğum E-Onayı kaldırmak istiyorum',
    eonayNoId: 'Hesabınızda T.C. Kimlik No kayıtlı değil.',
  },
  en: {
    brand: 'Open AKİS Unlock Service',
    logout: 'Sign out',
    loginTitle: 'Sign in',
    loginNote: 'In this reference service a local account stands in for the identity gateway (e-Devlet).',
    username: 'User name',
    password: 'Password',
    signIn: 'Sign in',
    loginFailed: 'Wrong user name or password.',
    rateLimited: 'Too many attempts. Wait a while and try again.',
    pinTitle: 'PIN Create / Unlock',
    welcome: 'Welcome, {name}.',
    step1: 'Insert the card that holds your electronic signature certificate.',
    step2: 'Run "akis unlock" on your computer.',
    step3: 'Copy the verification code below into the application.',
    step4: 'Choose your card in the application and type your new PIN twice (6-12 digits).',
    notPuk: 'Use this verification code only for this unlock. Never use it as a PUK.',
    getCode: 'Get a code',
    codeTitle: 'Verification code',
    remaining: 'Time left:',
    seconds: 'seconds',
    expired: 'The code has expired. Get a new code.',
    newCode: 'Get a new code',
    failed: 'That did not work. Try again.',
    neverShare: 'Never tell this code to anyone, even someone who says they are staff, by phone, e-mail or message. ' +
      'Whoever has the code and your card can change your card\'s PIN.',
    cardFor: 'Card the code is for:',
    historyTitle: 'Unlock history of your cards',
    noHistory: 'Nothing yet.',
    unlock_authorized: 'unlock authorised',
    unlock_refused: 'unlock refused',
    code_refused: 'code refused',
    eonayGet: 'Give E-Onay',
    eonayStep: 'With your card inserted run "akis eonay CODE"; read the text and sign it with your PIN.',
    eonayGiven: 'E-Onay given: {date}',
    eonayNone: 'No E-Onay given.',
    eonayWithdraw: 'I want to withdraw the E-Onay I gave',
    eonayNoId: 'Your account has no T.C. Kimlik No.',
  },
};

let lang = new URLSearchParams(location.search).get('lang') ||
  (navigator.language || 'tr').slice(0, 2);
if (!TEXT[lang]) lang = 'tr';
let timer = null;
let userName = '';
let history = [];
let eonay = null;  // GET /api/portal/eonay
let eonayTimer = null;

const $ = (id) => document.getElementById(id);
const t = (key) => TEXT[lang][key];

function render() {
  document.documentElement.lang = lang;
  document.title = t('pinTitle');
  document.querySelectorAll('[data-t]').forEach((el) => { el.textContent = t(el.dataset.t); });
  if (userName) $('welcome').textContent = t('welcome').replace('{name}', userName);
  const list = $('history');
  list.replaceChildren(...history.map((h) => {
    const li = document.createElement('li');
    li.textContent = `${new Date(h.at * 1000).toLocaleString(lang)} · ${h.serial} · ${t(h.event) || h.event}`;
    return li;
  }));
  $('no-history').hidden = history.length > 0;
  if (eonay) {
    $('eonay-status').textContent = eonay.approved
      ? t('eonayGiven').replace('{date}', new Date(eonay.at * 1000).toLocaleString(lang)) : t('eonayNone');
    $('eonay-withdraw').hidden = !eonay.approved;
  }
}

async function loadEonay() {
  const r = await api('/api/portal/eonay');
  if (r.ok) eonay = r.data;
  render();
}

// A code and the commitment text; the page polls until the approval arrives or the code runs out.
async function getEonay() {
  $('eonay-error').hidden = true;
  const r = await api('/api/portal/eonay', {});
  if (!r.ok) {
    $('eonay-error').textContent = r.data.error === 'no_national_id' ? t('eonayNoId') : t('failed');
    $('eonay-error').hidden = false;
    return;
  }
  $('eonay-text').textContent = lang === 'tr' ? r.data.text_tr : r.data.text_en;
  $('eonay-code').textContent = r.data.code;
  $('eonay-box').hidden = false;
  clearInterval(eonayTimer);
  const end = Date.now() + r.data.expires_in * 1000;
  const tick = async () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    $('eonay-countdown').textContent = String(left);
    await loadEonay();
    if (left === 0 || (eonay && eonay.approved)) {
      clearInterval(eonayTimer);
      if (eonay && eonay.approved) $('eonay-box').hidden = true;
    }
  };
  eonayTimer = setInterval(tick, 1000);
  tick();
}

async function withdrawEonay() {
  await api('/api/portal/eonay/withdraw', {});
  await loadEonay();
}

// The account's cards (the holder picks the one the code is for) and their unlock history.
async function loadMe() {
  const me = await api('/api/portal/me');
  if (!me.ok) return false;
  userName = me.data.name;
  history = me.data.history || [];
  const select = $('card');
  select.replaceChildren(...(me.data.cards || []).filter((c) => c.status === 'active').map((c) => {
    const o = document.createElement('option');
    o.value = c.serial;
    o.textContent = c.serial;
    return o;
  }));
  $('card-choice').hidden = select.options.length === 0;
  await loadEonay();
  return true;
}

async function api(path, body) {
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  return { ok: res.ok, status: res.status, data };
}

function show(section) {
  $('login').hidden = section !== 'login';
  $('portal').hidden = section !== 'portal';
  $('logout').hidden = section !== 'portal';
}

function startCountdown(seconds) {
  clearInterval(timer);
  const end = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    $('countdown').textContent = String(left);
    $('expired').hidden = left > 0;
    if (left === 0) clearInterval(timer);
  };
  tick();
  timer = setInterval(tick, 1000);
}

async function getCode() {
  $('portal-error').hidden = true;
  const serial = $('card').value;
  const r = await api('/api/portal/code', serial ? { serial } : {});
  if (!r.ok) {
    if (r.status === 401) { show('login'); return; }
    $('portal-error').textContent = t('failed');
    $('portal-error').hidden = false;
    return;
  }
  $('code').textContent = r.data.code;
  $('code-box').hidden = false;
  $('get-code').hidden = true;
  startCountdown(r.data.expires_in);
}

async function signIn(event) {
  event.preventDefault();
  $('login-error').hidden = true;
  const r = await api('/api/portal/login', { username: $('username').value, password: $('password').value });
  $('password').value = '';
  if (!r.ok) {
    $('login-error').textContent = r.status === 429 ? t('rateLimited') : t('loginFailed');
    $('login-error').hidden = false;
    return;
  }
  userName = r.data.name;
  await loadMe();
  show('portal');
}

async function start() {
  render();
  $('lang-tr').addEventListener('click', () => { lang = 'tr'; render(); });
  $('lang-en').addEventListener('click', () => { lang = 'en'; render(); });
  $('login-form').addEventListener('submit', signIn);
  $('get-code').addEventListener('click', getCode);
  $('new-code').addEventListener('click', getCode);
  $('eonay-get').addEventListener('click', getEonay);
  $('eonay-withdraw').addEventListener('click', withdrawEonay);
  $('logout').addEventListener('click', async () => {
    await api('/api/portal/logout', {});
    userName = '';
    clearInterval(timer);
    clearInterval(eonayTimer);
    eonay = null;
    $('eonay-box').hidden = true;
    $('code-box').hidden = true;
    $('get-code').hidden = false;
    show('login');
  });
  show(await loadMe() ? 'portal' : 'login');
}

start();
