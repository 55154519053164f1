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
  },
};

let lang = new URLSearchParams(location.search).get('lang') ||
  (navigator.language || 'tr').slice(0, 2);
if (!TEXT[lang]) lang = 'tr';
let timer = null;
let userName = '';

const $ = (id) => document.getElementById(id);
const t = (key) => TEXT[lang][key];

function render() {
  document.documentElement.lang = lang;
  document.title = t('pinTitle');
  document.querySelectorAll('[data-t]').forEach((el) => { el.textContent = t(el.dataset.t); });
  if (userName) $('welcome').textContent = t('welcome').replace('{name}', userName);
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
  const r = await api('/api/portal/code', {});
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
  render();
  show('portal');
}

async function start() {
  render();
  $('lang-tr').addEventListener('click', () => { lang = 'tr'; render(); });
  $('lang-en').addEventListener('click', () => { lang = 'en'; render(); });
  $('login-form').addEventListener('submit', signIn);
  $('get-code').addEventListener('click', getCode);
  $('new-code').addEventListener('click', getCode);
  $('logout').addEventListener('click', async () => {
    await api('/api/portal/logout', {});
    userName = '';
    clearInterval(timer);
    $('code-box').hidden = true;
    $('get-code').hidden = false;
    show('login');
  });
  const me = await api('/api/portal/me');
  if (me.ok) {
    userName = me.data.name;
    render();
    show('portal');
  } else {
    show('login');
  }
}

start();
