/**
 * The platform never accepts a My Number (the 12-digit individual number): by law it may be used only for tax,
 * social security and disaster response. Free-text inputs that look like one are refused at the edge.
 * The check digit follows the rule of the My Number law's ordinance (個人番号の指定に関する省令 §5).
 */

/** The check digit for the first 11 digits of a My Number. */
export function myNumberCheckDigit(first11: string): number {
  let sum = 0;
  for (let n = 1; n <= 11; n += 1) {
    const digit = Number(first11[11 - n]);
    const weight = n <= 6 ? n + 1 : n - 5;
    sum += digit * weight;
  }
  const remainder = sum % 11;
  return remainder <= 1 ? 0 : 11 - remainder;
}

/**
 * Whether the text is, once spaces and hyphens are removed, 12 digits with a valid My Number check digit.
 *
 * @example
 * looksLikeMyNumber('1234-5678-9018') // true
 */
export function looksLikeMyNumber(text: string): boolean {
  const digits = text.replace(/[\s-]/g, '');
  if (!/^\d{12}$/.test(digits)) return false;
  return myNumberCheckDigit(digits.slice(0, 11)) === Number(digits[11]);
}
