// The charts of the programme's headline figures, drawn on the Overview, the Report and Data &
// consent: one chunk (with Observable Plot) that shared.ts loads on first use, so those pages
// fetch it once, alongside their data. Each chart lives in the module of the metric it draws.
export { activeChart } from './active_users.js';
export { objectionsChart } from './consent.js';
export { roiChart } from './roi.js';
export { providerChart, uptakeSeriesChart } from './uptake.js';
