import { Stack, TimeZone } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { TaskSize, WorkingHours } from '../config';

/**
 * Where a service's tasks run. Not `spot`: all on on-demand FARGATE. `spot`: on FARGATE_SPOT, except the first
 * `onDemandBase` tasks, which stay on FARGATE (a Spot shortage or interruption never takes the service below them).
 */
export function capacityProviderStrategies(
  size: Pick<TaskSize, 'spot' | 'onDemandBase'>,
): ecs.CapacityProviderStrategy[] {
  if (!size.spot) return [{ capacityProvider: 'FARGATE', weight: 1 }];
  if (size.onDemandBase > 0) {
    return [
      { capacityProvider: 'FARGATE', base: size.onDemandBase, weight: 0 },
      { capacityProvider: 'FARGATE_SPOT', weight: 1 },
    ];
  }
  return [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
}

/**
 * Scheduled scaling of an ECS service to 0 tasks outside working hours and back to [min, max] at their start
 * (weekly cron actions in the hours' time zone). Returns nothing; the actions live on the scalable target.
 */
export function scaleToZeroOutsideWorkingHours(
  scaling: ecs.ScalableTaskCount,
  hours: WorkingHours,
  capacity: { min: number; max: number },
): void {
  const timeZone = TimeZone.of(hours.timeZone);
  const at = (hour: number) => appscaling.Schedule.cron({ minute: '0', hour: String(hour), weekDay: hours.weekDays });
  scaling.scaleOnSchedule('WorkingHoursStart', {
    schedule: at(hours.startHour),
    minCapacity: capacity.min,
    maxCapacity: capacity.max,
    timeZone,
  });
  scaling.scaleOnSchedule('WorkingHoursStop', {
    schedule: at(hours.stopHour),
    minCapacity: 0,
    maxCapacity: 0,
    timeZone,
  });
}

/**
 * A fixed-size service (broker, Prometheus, Grafana) that follows the working hours: a scalable target of
 * [desired, desired] with the two scheduled actions. Without working hours nothing is added.
 */
export function followWorkingHours(service: ecs.BaseService, hours: WorkingHours | undefined, desired = 1): void {
  if (!hours) return;
  const scaling = service.autoScaleTaskCount({ minCapacity: desired, maxCapacity: desired });
  scaleToZeroOutsideWorkingHours(scaling, hours, { min: desired, max: desired });
}

const DAY_NUMBERS: Record<string, number> = { MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6, SUN: 7 };

/** Hours ahead of UTC of a time zone on a date (Intl; no table of our own). */
function utcOffsetHours(timeZone: string, date: Date): number {
  const local = new Date(date.toLocaleString('en-US', { timeZone }));
  const utc = new Date(date.toLocaleString('en-US', { timeZone: 'UTC' }));
  return Math.round((local.getTime() - utc.getTime()) / 3_600_000);
}

/**
 * A CloudWatch metric math condition, true while the services are surely up: on the working days, from one hour
 * after the start (time to wake) to the stop, in UTC (metric math's HOUR and DAY are UTC, DAY 1 = Monday) for both
 * the winter and the summer offset of the time zone. `x` is the id (or expression) of the time series.
 */
export function duringWorkingHours(hours: WorkingHours, x: string): string {
  // a fixed year keeps the synthesized template the same from one year to the next
  const offsets = [0, 6].map((month) => utcOffsetHours(hours.timeZone, new Date(Date.UTC(2025, month, 15, 12))));
  const from = hours.startHour - Math.min(...offsets) + 1;
  const until = hours.stopHour - Math.max(...offsets);
  if (from < 0 || until > 24 || from >= until) {
    throw new Error(
      `workingHours ${hours.startHour}–${hours.stopHour} ${hours.timeZone} cross midnight in UTC: alarms cannot follow them`,
    );
  }
  const days = hours.weekDays.split(',').map((part) => {
    const [a, b = a] = part.split('-').map((d) => DAY_NUMBERS[d]);
    return a === b ? `DAY(${x}) == ${a}` : `(DAY(${x}) >= ${a} AND DAY(${x}) <= ${b})`;
  });
  return `(${days.join(' OR ')}) AND HOUR(${x}) >= ${from} AND HOUR(${x}) < ${until}`;
}

/** What EventBridge Scheduler stops outside working hours and starts at their start (AWS SDK universal targets). */
export interface StoppableResource {
  /** `rds`: a DB instance (`DbInstanceIdentifier`); `ec2`: instances (`InstanceIds`). */
  readonly kind: 'rds' | 'ec2';
  /** The DB instance identifier, or the instance ids. */
  readonly ids: string[];
  /** ARNs the scheduler's role may stop and start. */
  readonly arns: string[];
}

const SDK_ACTIONS = {
  rds: { stop: 'rds:stopDBInstance', start: 'rds:startDBInstance', iam: ['rds:StopDBInstance', 'rds:StartDBInstance'] },
  ec2: { stop: 'ec2:stopInstances', start: 'ec2:startInstances', iam: ['ec2:StopInstances', 'ec2:StartInstances'] },
} as const;

/**
 * Two EventBridge Scheduler schedules (free at this volume): stop `target` at the end of the working hours, start
 * it at their start, in the hours' time zone. A start or stop that finds the resource already so fails harmlessly.
 */
export class StopOutsideWorkingHours extends Construct {
  constructor(scope: Construct, id: string, hours: WorkingHours, target: StoppableResource) {
    super(scope, id);
    const actions = SDK_ACTIONS[target.kind];
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: `Stops and starts ${target.ids.join(', ')} outside/at the start of working hours`,
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: [...actions.iam], resources: target.arns }));
    const input = target.kind === 'rds' ? { DbInstanceIdentifier: target.ids[0] } : { InstanceIds: target.ids };
    const schedule = (name: 'Start' | 'Stop', hour: number, action: string) =>
      new scheduler.CfnSchedule(this, name, {
        description: `${name} ${target.ids.join(', ')} (working hours ${hours.startHour}–${hours.stopHour} ${hours.weekDays})`,
        scheduleExpression: `cron(0 ${hour} ? * ${hours.weekDays} *)`,
        scheduleExpressionTimezone: hours.timeZone,
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: `arn:${Stack.of(this).partition}:scheduler:::aws-sdk:${action}`,
          roleArn: role.roleArn,
          input: Stack.of(this).toJsonString(input),
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
        },
      });
    schedule('Start', hours.startHour, actions.start);
    schedule('Stop', hours.stopHour, actions.stop);
  }
}
