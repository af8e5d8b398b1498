// Drives realistic traffic at the API so the dashboard's cache charts have something to show: a few users
// sign in, then keep reading their own profile, each other's profiles and pages of their library, and now
// and then add to the library or edit their profile. The cache's own durations (session L1 5 s, library L1
// 30 s, profile L1 1 min) turn that into a mix of l1_hit, l2_hit and miss without any trickery.
//
// Usage: node traffic.mjs [seconds]   (API_URL defaults to the AppHost's api endpoint)

const api = process.env.API_URL ?? 'http://localhost:5280';
const seconds = Number(process.argv[2] ?? 45);
const userCount = 5;
const run = Date.now().toString(36); // fresh accounts every run, so a rerun never meets an existing one

async function call(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-type'] = 'application/json';
  const response = await fetch(api + path, { method, headers, body: body && JSON.stringify(body) });
  if (!response.ok) {
    throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  }
  return response.status === 204 ? null : response.json();
}

const pick = (items) => items[Math.floor(Math.random() * items.length)];
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Sign-up and sign-in hash passwords with PBKDF2 (220,000 iterations), so do them one at a time.
const users = [];
for (let i = 1; i <= userCount; i++) {
  const email = `listener${i}.${run}@example.com`;
  const password = `screenshot-${run}-${i}-password`;
  // Registration answers alike for every address, so the new user's id comes from their profile.
  await call('POST', '/auth/register', { body: { email, password, displayName: `Listener ${i}` } });
  const { accessToken } = await call('POST', '/auth/login', { body: { email, password } });
  const { id } = await call('GET', '/users/me', { token: accessToken });
  users.push({ id, token: accessToken });
}

// Each user browses concurrently; the pause keeps the pace human-like and spreads reads over the run,
// so L1 entries expire and get refilled from Redis (l2_hit) rather than all being hit at once.
let requests = 0;
const deadline = Date.now() + seconds * 1000;
await Promise.all(users.map(async (user, index) => {
  let round = 0;
  while (Date.now() < deadline) {
    const token = user.token;
    await call('GET', '/users/me', { token });
    await call('GET', `/users/${pick(users.filter((other) => other !== user)).id}`, { token });
    const library = new URLSearchParams({ page: pick([1, 1, 1, 2]) }); // mostly the first page, as people do
    const type = pick(['song', 'playlist', null]);
    if (type) library.set('type', type);
    await call('GET', `/library?${library}`, { token });
    requests += 3;
    if (Math.random() < 0.06) {
      await call('POST', '/library', { token, body: { type: 'playlist', title: `Mix ${index + 1}.${round}` } });
      requests++;
    }
    if (Math.random() < 0.03) {
      await call('PATCH', '/users/me', { token, body: { bio: `Listening since round ${round}` } });
      requests++;
    }
    round++;
    await pause(150 + Math.random() * 200);
  }
}));

console.log(`traffic: ${users.length} users, ${requests} requests in ${seconds} s`);
