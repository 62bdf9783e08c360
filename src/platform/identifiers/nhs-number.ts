/**
 * NHS numbers: 10 digits, the last a modulus 11 check digit over the first nine (weights 10 down to 2).
 * A remainder giving check value 10 means the number is not valid; 11 means a check digit of 0.
 */

/** The check digit for nine leading digits, or undefined when no valid number starts with them. */
export function nhsCheckDigit(firstNine: string): number | undefined {
  if (!/^[0-9]{9}$/.test(firstNine)) return undefined
  let sum = 0
  for (let i = 0; i < 9; i++) sum += Number(firstNine[i]) * (10 - i)
  const check = 11 - (sum % 11)
  if (check === 10) return undefined
  return check === 11 ? 0 : check
}

/** Spaces and hyphens as people write them ("943 476 5919") are allowed; returns the 10 digits or undefined. */
export function normaliseNhsNumber(input: string): string | undefined {
  const digits = input.replace(/[\s-]/g, '')
  if (!/^[0-9]{10}$/.test(digits)) return undefined
  return nhsCheckDigit(digits.slice(0, 9)) === Number(digits[9]) ? digits : undefined
}

/** "9434765919" as "943 476 5919". */
export function formatNhsNumber(digits: string): string {
  return /^[0-9]{10}$/.test(digits)
    ? `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`
    : digits
}

/**
 * A valid NHS number from the range reserved for testing (999 000 0000 to 999 999 9999), for fictional data
 * only; `next` gives random integers (faker's, in tests and the demo seed).
 */
export function testNhsNumber(next: (max: number) => number): string {
  for (;;) {
    const firstNine = `999${String(next(999_999)).padStart(6, '0')}`
    const check = nhsCheckDigit(firstNine)
    if (check !== undefined) return `${firstNine}${String(check)}`
  }
}
