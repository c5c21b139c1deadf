/** Every page of the UI, empty and with an answer; the page and browser tests both walk it. */
export const PAGES = [
  '/',
  '/legal/finder',
  '/legal/finder?measure=preservation&requesting=PE&requested=ES',
  '/legal/dual-criminality',
  '/legal/dual-criminality?check=1&conducts=illegal-access&requesting=PE&requested=ES&measure=preservation&instrument=ETS185',
  '/treaties',
  '/treaties/ETS185',
  '/states',
  '/states/PE',
  '/offences/matrix',
  '/ledger',
  '/ledger?index=0',
  '/api/docs',
];
