/** A Mykey ID as people read it aloud and compare it: two groups of four (`Y8V6-38QF`). */
export function formatMykeyId(mykeyId: string): string {
  return mykeyId.length === 8 ? `${mykeyId.slice(0, 4)}-${mykeyId.slice(4)}` : mykeyId;
}

/**
 * A Mykey ID as someone typed it (`y8v6 38qf`, `Y8V6-38QF`): its eight characters, upper case. The platform checks
 * the alphabet and the check character.
 */
export function normaliseMykeyId(typed: string): string {
  return typed.replace(/[\s-]/g, '').toUpperCase();
}
