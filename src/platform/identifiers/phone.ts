import { parsePhoneNumberFromString } from 'libphonenumber-js/max'

/**
 * Phone numbers as written ("07700 900123", "+44 7700 900123", "0044 7700 900123") are parsed with
 * libphonenumber-js's full metadata (which checks the number against each country's numbering plan, not only its
 * length), assuming a UK number when no country code is given, and stored in E.164 ("+447700900123").
 *
 * Ofcom keeps numbers for drama (https://www.ofcom.org.uk/phones-and-broadband/phone-numbers/numbers-for-drama):
 * they are never given to anyone, so the numbering plan leaves out the mobile range 07700 900000 to 900999.
 * OpenMACE accepts it as a UK mobile range all the same, so that the demo, the tests and the examples on its pages
 * use numbers nobody can be rung on and the app can record.
 */

export const DEFAULT_PHONE_COUNTRY = 'GB'

/** Ofcom's drama mobile range, 07700 900000 to 07700 900999, in E.164. */
const DRAMA_MOBILE = /^\+447700900\d{3}$/

/** The number in E.164, or undefined when it is not a valid phone number. */
export function normalisePhone(input: string): string | undefined {
  const trimmed = input.trim()
  if (trimmed === '' || trimmed.length > 40 || /[A-Za-z]/.test(trimmed)) return undefined
  const parsed = parsePhoneNumberFromString(trimmed, DEFAULT_PHONE_COUNTRY)
  if (parsed === undefined) return undefined
  if (DRAMA_MOBILE.test(parsed.number)) return parsed.number
  if (!parsed.isValid()) return undefined
  return parsed.number
}

// Parsing with the numbering plan is slow (a record's links show several numbers on every view): formatted
// numbers are kept, in a bounded map dropped whole when it fills.
const MAX_FORMATTED = 10_000
const formatted = new Map<string, string>()

/** "+447700900123" → "07700 900123" for a UK number, "+33 6 12 34 56 78" for another country's. */
export function formatPhone(e164: string): string {
  const known = formatted.get(e164)
  if (known !== undefined) return known
  const parsed = parsePhoneNumberFromString(e164)
  const text =
    parsed === undefined
      ? e164
      : parsed.country === DEFAULT_PHONE_COUNTRY || DRAMA_MOBILE.test(parsed.number)
        ? parsed.formatNational()
        : parsed.formatInternational()
  if (formatted.size >= MAX_FORMATTED) formatted.clear()
  formatted.set(e164, text)
  return text
}

/**
 * A fictional UK number from Ofcom's ranges for drama (0113/0114/0116/0117/0118/0121/0131/0141/0151/0161 496 0xxx,
 * 020 7946 0xxx, and the mobile range 07700 900xxx, which normalisePhone accepts), for tests and the demo seed
 * only. `next` gives random integers.
 */
export function testPhoneNumber(next: (max: number) => number): string {
  const areas = [
    '0113 496',
    '0114 496',
    '0116 496',
    '0117 496',
    '0118 496',
    '0121 496',
    '0131 496',
    '0141 496',
    '0151 496',
    '0161 496',
    '020 7946',
    '07700 900',
  ]
  const area = areas[next(areas.length - 1)] ?? '0113 496'
  const line = String(next(999)).padStart(3, '0')
  return area === '07700 900' ? `${area}${line}` : `${area} 0${line}`
}
