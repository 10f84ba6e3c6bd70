/** A Mykey ID as people read it aloud and compare it: two groups of four (`Y8V6-38QF`). */
export function formatMykeyId(mykeyId: string): string {
  return mykeyId.length === 8 ? `${mykeyId.slice(0, 4)}-${mykeyId.slice(4)}` : mykeyId;
}
