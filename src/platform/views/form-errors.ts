/** GOV.UK error summary and per-field messages from a list of field errors. */
export interface FormError {
  field: string
  message: string
}

export function formErrors(errors: FormError[]): {
  errorSummary: Array<{ text: string; href: string }>
  fieldErrors: Record<string, { text: string }>
} {
  const fieldErrors: Record<string, { text: string }> = {}
  for (const e of errors) fieldErrors[e.field] ??= { text: e.message }
  return {
    errorSummary: errors.map((e) => ({ text: e.message, href: `#${e.field}` })),
    fieldErrors,
  }
}
