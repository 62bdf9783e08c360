import { sql, type Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { Actor } from '../../platform/access/policy.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import type { IntelligenceService } from '../intelligence/intelligence-service.ts'
import { partsOf, type FlagService } from '../flags/flag-service.ts'

const CTX = { requestId: 'demo-seed', ip: '127.0.0.1' } as const
const DAY = 86_400_000

/** What the intelligence seed needs: the police intelligence officer, the police agency, the demo children. */
export interface DemoIntelligenceCast {
  police: Actor
  policeAgencyId: string
  /** Children 4 to 8 are on the current MACE agenda (demo-people.ts). */
  children: readonly string[]
}

/**
 * Fictional police intelligence through the intelligence service, as police would record it: one entry that may
 * be shared (P), one not to be shared with education (C), one for children's services and the police only (C).
 * All about children on the MACE agenda, so a MACE member sees the sanitised forms their agency may receive.
 */
export async function seedDemoIntelligence(
  trx: Transaction<DB>,
  intelligence: Pick<IntelligenceService, 'record'>,
  cast: DemoIntelligenceCast,
): Promise<number> {
  const daysAgo = (days: number) => todayInLondon(new Date(Date.now() - days * DAY))
  const entries = [
    {
      child: cast.children[4],
      reportedOn: daysAgo(12),
      sanitisedText: 'The child has been seen being collected from school by an older male in a dark car.',
      fullText:
        'Patrol officer saw the child collected from the school gates at 15:20 by a male in his twenties in a dark Audi; the same car was stopped near the Eastfield flats last month.',
      sourceReference: 'NP/INT/26/0412',
      sourceEvaluation: '2',
      intelligenceAssessment: 'B',
      handlingCode: 'P',
      conditions: [],
      restriction: '',
    },
    {
      child: cast.children[5],
      reportedOn: daysAgo(5),
      sanitisedText: 'Information suggests the child may be holding drugs for others.',
      fullText:
        'A source reports that the child keeps packages for an older group at a friend’s address and is paid in cash and trainers.',
      sourceReference: 'NP/CHIS/26/0099',
      sourceEvaluation: '3',
      intelligenceAssessment: 'C',
      handlingCode: 'C',
      conditions: [{ effect: 'deny', agencyType: 'education' }],
      restriction: 'Not to be shared with education: the source is close to the school.',
    },
    {
      child: cast.children[6],
      reportedOn: daysAgo(2),
      sanitisedText: 'The child has been in contact with a phone linked to a drug supply line.',
      fullText:
        'Call data shows contact between the child’s phone and a deal line number over three weekends.',
      sourceReference: 'NP/CDR/26/0031',
      sourceEvaluation: '1',
      intelligenceAssessment: 'A',
      handlingCode: 'C',
      conditions: [
        { effect: 'allow', agencyType: 'childrens-services' },
        { effect: 'allow', agencyType: 'police' },
      ],
      restriction: '',
    },
  ]
  for (const { child, ...entry } of entries) {
    if (child === undefined) throw new Error('demo child missing for intelligence')
    await intelligence.record(
      cast.police,
      { ...entry, reportingAgencyId: cast.policeAgencyId, subjects: [{ kind: 'person', id: child }] },
      CTX,
      'demo',
      { trx },
    )
  }
  return entries.length
}

// i12d: a flag and a description derived from intelligence.

/** What the derived seed needs: the police officer, the demo children, and the police's seized-handset phone. */
export interface DemoDerivedCast extends DemoIntelligenceCast {
  partnershipId: string
  /** The phone the police recorded (demo-suggestions.ts), by its number. */
  phoneValue: string
}

/**
 * Police intelligence about a MACE child and the deal-line phone, and what derives from it, through the services:
 * a flag on the child raised from the entry (its reason the entry's), and the phone's description written from
 * it ("used by the suspect …"), which only those who may see the entry read. The phone's own description, the
 * police's words, moves onto the entry as the migration moves such descriptions.
 */
export interface DemoDerivedServices {
  intelligence: Pick<IntelligenceService, 'record' | 'describe'>
  flags: Pick<FlagService, 'set'>
}

export async function seedDemoDerived(
  trx: Transaction<DB>,
  services: DemoDerivedServices,
  cast: DemoDerivedCast,
): Promise<void> {
  const child = cast.children[4]
  const phone = await trx
    .selectFrom('object')
    .select('id')
    .where('partnership_id', '=', cast.partnershipId)
    .where('value', '=', cast.phoneValue)
    .executeTakeFirst()
  if (child === undefined || phone === undefined)
    throw new Error('demo child or phone missing for intelligence')
  const entry = await services.intelligence.record(
    cast.police,
    {
      reportedOn: todayInLondon(new Date(Date.now() - 3 * DAY)),
      reportingAgencyId: cast.policeAgencyId,
      sanitisedText: 'The child has been in regular contact with a phone used to run a drug line.',
      fullText:
        'Cell site and call data: the child’s phone called the seized deal-line handset 40 times in a fortnight; the handset is used by the suspect who runs the line from the Mill Lane flat.',
      sourceReference: 'NP/CDR/26/0047',
      sourceEvaluation: '1',
      intelligenceAssessment: 'B',
      handlingCode: 'P',
      restriction: '',
      conditions: [],
      subjects: [
        { kind: 'person', id: child },
        { kind: 'object', id: phone.id },
      ],
    },
    CTX,
    'demo',
    { trx },
  )
  // What derives from the entry is read back as its author (row-level security shows it to them), then as before.
  const previous = await sql<{ v: string | null }>`SELECT current_setting('app.actor_id', true) AS v`.execute(
    trx,
  )
  await sql`SELECT set_config('app.actor_id', ${cast.police.userId}, true)`.execute(trx)
  await services.intelligence.describe(
    cast.police,
    entry,
    {
      subject: `object:${phone.id}`,
      description: 'Deal line handset seized at Mill Lane; used by the suspect who runs the line.',
    },
    CTX,
    'demo',
    { trx },
  )
  await trx.updateTable('object').set({ description: null }).where('id', '=', phone.id).execute()
  await services.flags.set(
    cast.police,
    'person',
    child,
    {
      flagType: 'cce',
      reviewDate: partsOf(todayInLondon(new Date(Date.now() + 60 * DAY))),
      intelligenceId: entry,
    },
    CTX,
    'page',
    { trx },
  )
  await sql`SELECT set_config('app.actor_id', ${previous.rows[0]?.v ?? ''}, true)`.execute(trx)
}
