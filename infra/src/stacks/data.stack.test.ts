import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { outputName, resources, stages, template } from '../synth.fixture';

describe.each(['dev', 'prod'])('%s data stack', (env) => {
  const stage = stages()[env];
  const t = template(stage.data);
  const config = stage.config;

  it('stops the dev database outside working hours and starts it at their start; prod runs always', () => {
    const schedules = resources(t, 'AWS::Scheduler::Schedule').map(([, p]) => p);
    if (!config.workingHours) {
      expect(schedules).toEqual([]);
      return;
    }
    const { startHour, stopHour, weekDays, timeZone } = config.workingHours;
    const byArn = Object.fromEntries(schedules.map((p) => [JSON.stringify(p.Target.Arn), p]));
    const start = Object.entries(byArn).find(([arn]) => arn.includes('aws-sdk:rds:startDBInstance'))?.[1];
    const stop = Object.entries(byArn).find(([arn]) => arn.includes('aws-sdk:rds:stopDBInstance'))?.[1];
    expect(start.ScheduleExpression).toBe(`cron(0 ${startHour} ? * ${weekDays} *)`);
    expect(stop.ScheduleExpression).toBe(`cron(0 ${stopHour} ? * ${weekDays} *)`);
    expect(stop.ScheduleExpressionTimezone).toBe(timeZone);
    expect(JSON.parse(stop.Target.Input)).toEqual({ DbInstanceIdentifier: `genlake-${env}-postgres` });
    t.hasResourceProperties('AWS::RDS::DBInstance', { PreferredBackupWindow: '12:00-13:00' });
  });

  it('admits only the service security groups (and the rotation function) on 5432', () => {
    const [[dbSgId]] = resources(t, 'AWS::EC2::SecurityGroup').filter(([, p]) =>
      /^PostgreSQL/.test(p.GroupDescription),
    );
    const [[rotationSgId]] = resources(t, 'AWS::EC2::SecurityGroup').filter(([, p]) =>
      /^Secrets Manager hosted rotation/.test(p.GroupDescription),
    );
    const dbSg = t.findResources('AWS::EC2::SecurityGroup')[dbSgId].Properties;
    expect(dbSg.SecurityGroupIngress ?? []).toEqual([]);
    const ingress = resources(t, 'AWS::EC2::SecurityGroupIngress')
      .map(([, p]) => p)
      .filter((p) => p.GroupId?.['Fn::GetAtt']?.[0] === dbSgId);
    const sources = ingress.map((p) => outputName(p.SourceSecurityGroupId) ?? p.SourceSecurityGroupId['Fn::GetAtt'][0]);
    expect(ingress.every((p) => p.FromPort === 5432 && p.ToPort === 5432 && p.IpProtocol === 'tcp')).toBe(true);
    expect(ingress.some((p) => p.CidrIp || p.CidrIpv6 || p.SourcePrefixListId)).toBe(false);
    const services = Object.keys(config.services).map((s) => s.charAt(0).toUpperCase() + s.slice(1));
    expect(sources).toHaveLength(services.length + 1);
    for (const service of services) expect(sources.some((s) => s.includes(`${service}SecurityGroup`))).toBe(true);
    expect(sources).toContain(rotationSgId);
  });

  it('puts the database in the isolated subnets, encrypted, not public', () => {
    const [[, group]] = resources(t, 'AWS::RDS::DBSubnetGroup');
    const subnets = (group.SubnetIds as unknown[]).map(outputName);
    expect(subnets).toHaveLength(2);
    for (const s of subnets) expect(s).toMatch(/isolatedSubnet/);
    t.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: config.database.engineVersion,
      StorageEncrypted: true,
      PubliclyAccessible: false,
      DBInstanceClass: `db.${config.database.instanceClass}`,
      BackupRetentionPeriod: config.database.backupRetentionDays,
      EnableCloudwatchLogsExports: ['postgresql'],
    });
    t.hasResourceProperties('AWS::RDS::DBParameterGroup', { Parameters: Match.objectLike({ 'rds.force_ssl': '1' }) });
  });

  it('has deletion protection and Multi-AZ as configured', () => {
    t.hasResourceProperties('AWS::RDS::DBInstance', {
      DeletionProtection: config.database.deletionProtection,
      MultiAZ: config.database.multiAz,
    });
    if (env === 'prod') {
      t.hasResourceProperties('AWS::RDS::DBInstance', { DeletionProtection: true, MultiAZ: true });
      expect(stage.data.terminationProtection).toBe(true);
    }
    t.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
  });

  it('keeps the credentials in Secrets Manager with hosted rotation', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `genlake/${env}/database` });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      HostedRotationLambda: Match.objectLike({ RotationType: 'PostgreSQLSingleUser' }),
      RotationRules: { ScheduleExpression: `rate(${config.database.rotationDays} days)` },
    });
    expect(t.toJSON().Transform).toBe('AWS::SecretsManager-2024-09-16');
  });

  it('names the database db.internal.<domain> in a private zone', () => {
    t.hasResourceProperties('AWS::Route53::HostedZone', {
      Name: `internal.${config.domain.name}.`,
      VPCs: Match.anyValue(),
    });
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: `db.internal.${config.domain.name}.`,
      Type: 'CNAME',
      ResourceRecords: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Postgres'), 'Endpoint.Address'] }],
    });
  });
});
