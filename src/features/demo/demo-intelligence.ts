import type { Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { Actor } from '../../platform/access/policy.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import type { IntelligenceService } from '../intelligence/intelligence-service.ts'

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
