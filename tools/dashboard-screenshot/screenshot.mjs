// Opens the running Aspire dashboard in headless Chromium and saves screenshots of the API's cache charts.
// The dashboard must allow anonymous access (ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true); run.sh
// starts it that way.
//
// Usage: node screenshot.mjs <output directory>

import { chromium } from 'playwright-core';

const dashboard = process.env.DASHBOARD_URL ?? 'http://localhost:18888';
const outputDirectory = process.argv[2] ?? '.';

// The dashboard draws one line per chart: the sum over every selected tag combination. So each picture
// selects the tags that make that sum meaningful (a hit ratio summed over areas would exceed 1).
const charts = [
  { instrument: 'harmonia.cache.hit_ratio', tags: { area: 'library' }, file: 'dashboard-cache-hit-rate.png' },
  { instrument: 'harmonia.cache.requests', tags: {}, file: 'dashboard-cache-requests.png' },
];

// The metrics page takes resource, meter and instrument from the URL (DashboardUrls.MetricsUrl in the
// Aspire source): /metrics/resource/{name}?meter=&instrument=&duration=<minutes>&view=Graph|Table.
// One minute matches run.sh's traffic, so the data fills the chart instead of its last fifth.
function metricsUrl(instrument) {
  const query = new URLSearchParams({ meter: 'Harmonia.Cache', instrument, duration: '1', view: 'Graph' });
  return `${dashboard}/metrics/resource/api?${query}`;
}

// Debian's Chromium, never a downloaded one. Without the background-networking flags Chromium keeps
// trying to reach Google's hosts, which this kind of machine refuses.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

async function capture(page, { instrument, tags, file }) {
  await page.goto(metricsUrl(instrument), { waitUntil: 'networkidle' });

  // Blazor renders after the page has loaded; the chart is ready once Plotly has drawn a line.
  const line = page.locator('.plotly-chart-container .scatterlayer .trace path.js-line').first();
  await line.waitFor({ state: 'attached', timeout: 30_000 }).catch(() => {
    throw new Error(`no chart of ${instrument} appeared on ${page.url()}; did the API export metrics?`);
  });

  // The banners about the missing dev certificate and the unsecured endpoint are expected on a local run
  // and would push the chart's filters off the picture. Hidden rather than dismissed: the dashboard
  // remembers a dismissal and removes them by itself on the next page, which races with a click.
  await page.addStyleTag({ content: '.messagebar-container { display: none !important; }' });

  // Clicking a tag selects only that tag (shift-click would add it).
  for (const [name, value] of Object.entries(tags)) {
    const row = page.locator('.metrics-filters-container tr', { has: page.locator(`td[title="${name}"]`) });
    await row.getByRole('button', { name: value, exact: true }).click();
  }

  await page.waitForTimeout(2_000); // Plotly redraws with a transition after every change
  await page.screenshot({ path: `${outputDirectory}/${file}` });
  console.log(`screenshot: ${outputDirectory}/${file}`);
}

try {
  // The dashboard draws charts at most 650 px wide, so a narrower window drawn at 1.2x gives a sharper,
  // larger chart in a ~1400 px picture than a 1400 px window would, which leaves a third of it empty.
  const page = await browser.newPage({ viewport: { width: 1180, height: 860 }, deviceScaleFactor: 1.2 });
  for (const chart of charts) {
    await capture(page, chart);
  }
} finally {
  await browser.close();
}
