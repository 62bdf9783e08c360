import { fakerEN_GB as faker } from '@faker-js/faker'
import { sql, type Transaction } from 'kysely'
import type { IntelligenceService } from '../intelligence/intelligence-service.ts'
import type { DB } from '../../db/schema.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import type { ConcernService, TickInput, WholeConcernInput } from '../concerns/concern-service.ts'
import type { NotificationService } from '../notifications/notification-service.ts'
import type { ReferralService } from '../referrals/referral-service.ts'
import { seedingAt } from './demo-clock.ts'

/**
 * The demo's concerns, referrals and cross-authority notifications (issue 5), in every state: a draft, a concern
 * recorded without a referral, referrals submitted (one with the child in immediate danger, one overdue), in
 * review, decided (one of each decision type, two on exploitation grounds), withdrawn by the referrer and by the
 * front door; a notification to another authority outstanding and one acknowledged.
 *
 * Everything goes through the app's concern, referral and notification services (src/services.ts), inside the
 * seed's transaction, so their rules hold (who may see which child, validation, the state machine, the deadline
 * in working days, the flags set on exploitation grounds, the audit). The services' clock reads the seed's time
 * (demo-clock.ts), so a referral made "ten days ago" has its deadline, transitions, decision and notifications
 * dated then; only the concerns' own times
 * (which their repository takes from the database clock) are moved back afterwards, and the two children the
 * practitioners' concerns made records for are marked as demo records. All people and places are fictional.
 */

export interface DemoReferralCast {
  partnershipId: string
  /** The demo children, in the order demo-people.ts made them. */
  children: readonly string[]
  /** The demo users that raise and decide referrals, as the policy sees them. */
  actors: {
    dsl: Actor
    health: Actor
    youthJustice: Actor
    police: Actor
    socialWorker: Actor
    frontDoor: Actor
  }
  /** a13: the team whose allocation queue a decision for an assessment or a strategy meeting names. */
  allocationTeamId?: string
}

/** The app's services the demo's cases go through. */
export interface DemoSeedServices {
  concerns: Pick<ConcernService, 'create' | 'start'>
  referrals: Pick<ReferralService, 'submit' | 'startReview' | 'decide' | 'withdraw'>
  notifications: Pick<NotificationService, 'send' | 'acknowledge'>
  intelligence: Pick<IntelligenceService, 'record'>
}

export interface DemoReferralCounts {
  concerns: number
  referrals: number
  notifications: number
  /** Children the concerns made records for (a practitioner raising a concern about a child not known yet). */
  newChildren: number
}

const CTX: RequestContext = { requestId: 'demo-seed', ip: '127.0.0.1' }
const HOUR = 3_600_000
const DAY = 24 * HOUR

type Decision = 'no-further-action' | 'early-help' | 'cin-assessment' | 'strategy-meeting' | 'already-open'

interface Case {
  by: keyof DemoReferralCast['actors']
  /**
   * An index into the demo children, a child the concern makes a record for, or 'previous': the child of this
   * user's previous concern.
   */
  child: number | { givenName: string; familyName: string; estimatedAge: number } | 'previous'
  /** How long before the seed the concern was recorded (and referred). */
  ago: number
  danger?: { policeReference: string }
  narrative: string
  childWords?: string
  happenedAt: string
  ticks: Array<
    [code: string, recency: TickInput['recency'], basis: 'evidenced' | 'concern', evidence: string]
  >
  judgedLevel: string
  judgementReason: string
  /** Referred unless false. */
  refer?: boolean
  discussedWith?: string
  review?: { after: number }
  decision?: {
    after: number
    decision: Decision
    reasons: string
    exploitationGrounds?: Array<'cce' | 'cse'>
    cinFactors?: string[]
  }
  withdraw?: { after: number; by: 'referrer' | 'frontDoor'; reason: string }
  notification?: {
    after: number
    reason: 'lives-in' | 'moved-from' | 'moved-to' | 'found-in'
    localAuthority: string
    policeForce: string
    content: string
    acknowledged?: { after: number; by: string }
  }
}

/** Fictional names for the two children the demo's practitioners refer before anyone else knows them. */
function newChild(age: number) {
  return {
    givenName: faker.person.firstName().replace(/[^A-Za-z-]/g, '') || 'Sam',
    familyName: faker.person.lastName().replace(/[^A-Za-z-]/g, '') || 'Taylor',
    estimatedAge: age,
  }
}

function cases(): Case[] {
  return [
    {
      by: 'dsl',
      child: 0,
      ago: 30 * DAY,
      narrative:
        'Seen getting into a car with two older men at the school gates at lunchtime. Came back the next day with a new phone and said he had been out grafting.',
      happenedAt: 'School gates, Castlegate Academy',
      ticks: [
        [
          'controlling-relationships',
          'current',
          'evidenced',
          'Two men in their twenties collected him in a car',
        ],
        ['unexplained-money', 'current', 'evidenced', 'A new phone he says he bought himself'],
      ],
      judgedLevel: 'medium',
      judgementReason: 'Older men and a new phone: more than the score on its own',
      review: { after: 2 * HOUR },
      decision: {
        after: 5 * HOUR,
        decision: 'already-open',
        reasons:
          'Already open to the Exploitation Team: passed to his allocated social worker, who will see him this week.',
      },
    },
    {
      by: 'dsl',
      child: 3,
      ago: 21 * DAY,
      danger: { policeReference: 'NS-DEMO-0412' },
      narrative:
        'Told her form tutor she stays at an older man’s flat at weekends, that he gives her vodka and a place to stay, and that she owes them. She had bruising on her wrist.',
      childWords: 'He looks after me. I owe them for the phone.',
      happenedAt: 'Castlegate Academy',
      ticks: [
        ['sexual-activity-exchange', 'current', 'concern', 'Alcohol and a place to stay from an older man'],
        ['assault-injuries', 'current', 'evidenced', 'Bruising on her left wrist, seen by the school nurse'],
        ['missing-out-of-area', 'within-6-months', 'evidenced', 'Missing from home three weekends this term'],
        ['leaving-without-explanation', 'current', 'evidenced', 'Leaves home on Friday nights'],
      ],
      judgedLevel: 'severe',
      judgementReason: 'Sexual exploitation with injuries: she is at risk of significant harm now',
      discussedWith: 'Deputy head',
      review: { after: 1 * HOUR },
      decision: {
        after: 3 * HOUR,
        decision: 'strategy-meeting',
        reasons:
          'Reasonable cause to suspect significant harm through sexual exploitation: strategy meeting with police and health today.',
        exploitationGrounds: ['cse'],
        cinFactors: ['11A', '10A'],
      },
      notification: {
        after: 1 * DAY,
        reason: 'found-in',
        localAuthority: 'Wendover Borough Council',
        policeForce: 'Wendover Constabulary',
        content:
          'Found at an address in your area on two weekends; strategy meeting held on the day of referral.',
        acknowledged: { after: 2 * DAY, by: 'Duty manager, Wendover MASH' },
      },
    },
    {
      by: 'dsl',
      child: 6,
      ago: 14 * DAY,
      narrative:
        'Found with a bag of wraps in his locker. Said he is going country for the elders next weekend and owes them money.',
      happenedAt: 'Castlegate Academy, year 10 lockers',
      ticks: [
        ['drugs-involvement', 'current', 'evidenced', 'Eleven wraps found in his locker'],
        ['missing-out-of-area', 'within-6-months', 'concern', 'Says he goes to another town at weekends'],
        ['excessive-calls', 'current', 'evidenced', 'Two phones, one ringing through lessons'],
        ['school-decline', 'within-6-months', 'evidenced', 'Attendance down to 71% this term'],
      ],
      judgedLevel: 'high',
      judgementReason: 'Drugs, travel out of area and a debt to the elders: criminal exploitation',
      review: { after: 3 * HOUR },
      decision: {
        after: 6 * HOUR,
        decision: 'cin-assessment',
        reasons:
          'Child criminal exploitation through a county line: section 17 assessment by the Exploitation Team.',
        exploitationGrounds: ['cce'],
        cinFactors: ['24A', '13A'],
      },
      notification: {
        after: 2 * DAY,
        reason: 'moved-to',
        localAuthority: 'Eastmarsh County Council',
        policeForce: 'Eastmarsh Police',
        content: 'Believed to travel to your area to sell drugs at weekends; assessment under way here.',
      },
    },
    {
      by: 'health',
      child: newChild(15),
      ago: 10 * DAY,
      narrative:
        'Seen at the walk-in centre with a cut hand. Said he was only tooled up to look hard. His mum is worried he is out late with older friends.',
      childWords: 'Everyone carries one.',
      happenedAt: 'Northshire walk-in centre',
      ticks: [
        ['parental-concerns', 'current', 'evidenced', 'His mum told the nurse she is worried'],
        ['peer-isolation', 'within-6-months', 'concern', 'New older friends; stopped seeing his own'],
      ],
      judgedLevel: 'low',
      judgementReason: 'Early signs only, but he talked about carrying a knife',
      review: { after: 4 * HOUR },
      decision: {
        after: 1 * DAY,
        decision: 'early-help',
        reasons:
          'Early help assessment with the family and school; youth worker to talk to him about knives.',
      },
    },
    {
      by: 'police',
      child: 8,
      ago: 7 * DAY,
      narrative:
        'Stopped with a group in the town centre at 22:30. No drugs or weapons found; said they were waiting for a bus.',
      happenedAt: 'Northshire town centre',
      ticks: [
        ['leaving-without-explanation', 'current', 'concern', 'Out at 22:30 without his parents knowing'],
      ],
      judgedLevel: 'low',
      judgementReason: 'One late evening; recorded so the pattern is seen if it happens again',
      review: { after: 2 * HOUR },
      decision: {
        after: 4 * HOUR,
        decision: 'no-further-action',
        reasons:
          'No indicators of exploitation beyond one late evening: advice to the family; signposted to the youth service.',
      },
    },
    {
      by: 'health',
      child: 'previous',
      ago: 5 * DAY,
      narrative: 'The same visit to the walk-in centre as my earlier referral: sent again by mistake.',
      happenedAt: 'Northshire walk-in centre',
      ticks: [['parental-concerns', 'current', 'evidenced', 'His mum told the nurse she is worried']],
      judgedLevel: 'low',
      judgementReason: 'As before',
      withdraw: {
        after: 1 * HOUR,
        by: 'referrer',
        reason: 'Sent twice by mistake: the same visit as my earlier referral',
      },
    },
    {
      by: 'youthJustice',
      child: newChild(16),
      // Long enough ago that it is past its one-working-day deadline whatever the bank holidays.
      ago: 8 * DAY,
      narrative:
        'At his referral order panel he said he runs a line for people in Wendover and gets paid in trainers. His phone rang throughout.',
      happenedAt: 'Youth Justice Service offices',
      ticks: [
        ['drugs-involvement', 'current', 'concern', 'Says he runs a line for people in Wendover'],
        ['excessive-calls', 'current', 'evidenced', 'His phone rang eight times in an hour'],
        ['unexplained-money', 'current', 'evidenced', 'New trainers he says he was paid in'],
      ],
      judgedLevel: 'high',
      judgementReason: 'Running a county line: criminal exploitation',
    },
    {
      by: 'police',
      child: 5,
      ago: 4 * HOUR,
      narrative:
        'Found in a trap house in Wendover during a warrant this morning. Said a man he knows only as Dee brought him there.',
      happenedAt: 'Wendover',
      ticks: [
        ['missing-out-of-area', 'current', 'evidenced', 'Reported missing from Northshire two days ago'],
        ['controlling-relationships', 'current', 'concern', 'Brought there by an adult he knows only as Dee'],
        ['drugs-involvement', 'current', 'evidenced', 'Crack cocaine and cash found in the room he was in'],
      ],
      judgedLevel: 'high',
      judgementReason: 'Found in a trap house out of area: criminal exploitation',
      review: { after: 3 * HOUR },
    },
    {
      by: 'dsl',
      child: 9,
      ago: 2 * HOUR,
      danger: { policeReference: 'NS-DEMO-0988' },
      narrative:
        'Messaged a friend during lessons from a flat she did not know, saying she was scared and the men there would not let her leave. Police called straight away.',
      childWords: 'They won’t let me go.',
      happenedAt: 'Not known: a flat in Wendover',
      ticks: [
        ['missing-out-of-area', 'current', 'evidenced', 'Not in school; messaging from Wendover'],
        ['controlling-relationships', 'current', 'evidenced', 'Men at the flat will not let her leave'],
      ],
      judgedLevel: 'severe',
      judgementReason: 'Held against her will right now',
      discussedWith: 'Headteacher',
    },
    {
      by: 'police',
      child: 4,
      ago: 3 * DAY,
      narrative: 'Neighbours report that he is involved in cuckooing a vulnerable man’s flat on the estate.',
      happenedAt: 'Northshire Homes estate',
      ticks: [['drugs-involvement', 'current', 'concern', 'Neighbours report visitors at all hours']],
      judgedLevel: 'medium',
      judgementReason: 'A report from neighbours, not yet checked',
      review: { after: 2 * HOUR },
      withdraw: {
        after: 6 * HOUR,
        by: 'frontDoor',
        reason:
          'Withdrawn at the police’s request: the report was about another young person of the same name.',
      },
    },
    {
      by: 'socialWorker',
      child: 1,
      ago: 2 * DAY,
      narrative:
        'At my home visit he said the olders have stopped calling since he moved school. Recorded for his chronology; his plan already covers it.',
      happenedAt: 'Home visit',
      ticks: [
        ['gang-connections', 'within-6-months', 'evidenced', 'Known to a local group until he moved school'],
      ],
      judgedLevel: 'medium',
      judgementReason: 'Improving, but the group still knows where he lives',
      refer: false,
    },
  ]
}

/** Seeds the cast's concerns, referrals and notifications in `trx` (the demo seed's transaction). */
export async function seedDemoReferrals(
  trx: Transaction<DB>,
  services: DemoSeedServices,
  cast: DemoReferralCast,
): Promise<DemoReferralCounts> {
  const started = Date.now()
  let at = new Date(started)
  return seedingAt(
    () => at,
    () =>
      seedCases(trx, services, cast, started, (when) => {
        at = when
      }),
  )
}

async function seedCases(
  trx: Transaction<DB>,
  { concerns, referrals, notifications }: DemoSeedServices,
  cast: DemoReferralCast,
  started: number,
  setClock: (at: Date) => void,
): Promise<DemoReferralCounts> {
  const options = { trx }
  const counts: DemoReferralCounts = { concerns: 0, referrals: 0, notifications: 0, newChildren: 0 }
  // The last concern each demo user raised ('previous': about the same child again).
  const previousConcern = new Map<string, string>()
  const recorded: Array<{ concernId: string; at: Date; newChild: boolean }> = []

  for (const c of cases()) {
    const actor = cast.actors[c.by]
    const when = new Date(started - c.ago)
    const child =
      c.child === 'previous'
        ? await childOf(trx, previousConcern.get(c.by))
        : typeof c.child === 'number'
          ? cast.children[c.child]
          : 'new'
    if (child === undefined || child === '') throw new Error('demo referrals: no such demo child')
    const input: WholeConcernInput = {
      start: {
        immediateDanger: c.danger !== undefined,
        ...(c.danger === undefined
          ? {}
          : {
              policeCalled: true,
              policeCalledOn: new Date(when.getTime() - 20 * 60_000).toISOString(),
              policeReference: c.danger.policeReference,
            }),
        child,
        ...(typeof c.child === 'object' ? { newChild: c.child } : {}),
      },
      details: {
        narrative: c.narrative,
        happenedOn: todayInLondon(new Date(when.getTime() - (c.ago > DAY ? DAY : 0))),
        happenedAt: c.happenedAt,
        childWords: c.childWords ?? '',
        consent: 'not-asked',
        familyAware: c.danger === undefined ? 'yes' : 'not-safe',
        learningDisability: false,
        ticks: c.ticks.map(([itemCode, recency, basis, evidence]) => ({
          itemCode,
          recency,
          basis,
          evidence,
        })),
      },
      judgement: { judgedLevel: c.judgedLevel, judgementReason: c.judgementReason },
    }
    const concernId = await concerns.create(actor, input, CTX, options)
    counts.concerns++
    if (typeof c.child === 'object') counts.newChildren++
    recorded.push({ concernId, at: when, newChild: typeof c.child === 'object' })
    previousConcern.set(c.by, concernId)
    if (c.refer === false) continue

    setClock(when)
    const referral = await referrals.submit(
      actor,
      { concernId, discussedWith: c.discussedWith ?? null, discussionNote: null },
      CTX,
      options,
    )
    counts.referrals++
    if (c.review !== undefined) {
      setClock(new Date(when.getTime() + c.review.after))
      await referrals.startReview(cast.actors.frontDoor, referral.id, undefined, CTX, options)
    }
    if (c.decision !== undefined) {
      setClock(new Date(when.getTime() + c.decision.after))
      const team = cast.allocationTeamId === undefined ? {} : { allocationTeamId: cast.allocationTeamId }
      await referrals.decide(cast.actors.frontDoor, referral.id, { ...c.decision, ...team }, CTX, options)
    }
    if (c.withdraw !== undefined) {
      setClock(new Date(when.getTime() + c.withdraw.after))
      const by = c.withdraw.by === 'referrer' ? actor : cast.actors.frontDoor
      await referrals.withdraw(by, referral.id, { reason: c.withdraw.reason }, CTX, options)
    }
    if (c.notification !== undefined) {
      const n = c.notification
      setClock(new Date(when.getTime() + n.after))
      const sent = await notifications.send(cast.actors.frontDoor, referral.id, n, CTX, options)
      counts.notifications++
      if (n.acknowledged !== undefined) {
        const acknowledgedAt = new Date(when.getTime() + n.acknowledged.after)
        setClock(acknowledgedAt)
        await notifications.acknowledge(
          cast.actors.frontDoor,
          sent.id,
          { acknowledgedBy: n.acknowledged.by, acknowledgedOn: todayInLondon(acknowledgedAt) },
          CTX,
          options,
        )
      }
    }
  }

  // A concern the school's DSL has started (page 1 only): a draft, which only its recorder sees.
  await concerns.start(cast.actors.dsl, { immediateDanger: false, child: cast.children[6] }, CTX, options)
  counts.concerns++

  // The concerns' times come from the database clock: move them back to when each was recorded, in one statement.
  // The children the concern service made minimal records for are marked fictional, like the rest of the cast.
  const values = sql.join(
    recorded.map((r) => sql`(${r.concernId}::uuid, ${r.at}::timestamptz, ${r.newChild}::boolean)`),
  )
  await sql`UPDATE concern c SET created_at = v.at, updated_at = v.at, recorded_at = v.at
              FROM (VALUES ${values}) AS v (id, at, new_child) WHERE c.id = v.id`.execute(trx)
  await sql`UPDATE person p SET is_demo = true, created_at = v.at, updated_at = v.at
              FROM (VALUES ${values}) AS v (id, at, new_child) JOIN concern c ON c.id = v.id
             WHERE v.new_child AND p.id = c.person_id`.execute(trx)
  return counts
}

/** The child a concern is about. */
async function childOf(trx: Transaction<DB>, concernId: string | undefined): Promise<string | undefined> {
  if (concernId === undefined) return undefined
  const row = await trx
    .selectFrom('concern')
    .select('person_id')
    .where('id', '=', concernId)
    .executeTakeFirst()
  return row?.person_id
}
