import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { PASSWORD_EXCLUDED_CHARACTERS } from './data.stack';

/** What an operator must replace in a secret the stack creates (the first value is only a placeholder). */
export const OPERATOR_FILLS = 'set by an operator: docs/operations.md, "E-mail and the CRM"';

export interface NotificationsStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** The public hosted zone of the domain (global stack): SES's DKIM records go there. */
  readonly zone: route53.IHostedZone;
}

/**
 * What the notifier needs outside AWS's private network: the domain as an SES e-mail identity (Easy DKIM, its three
 * CNAME records written into the public zone, so the identity verifies itself), and the credentials an operator
 * fills in — the CRM's bearer token and the SES SMTP user. Stateful (termination protection in prod): the
 * operator's values and the verified identity survive any redeploy of the services.
 *
 * Leaving the SES sandbox and creating the SMTP credentials are one-time steps per account, outside CloudFormation.
 */
export class NotificationsStack extends Stack {
  readonly emailIdentity: ses.EmailIdentity;
  readonly crmTokenSecret: secretsmanager.Secret;
  readonly smtpSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: NotificationsStackProps) {
    super(scope, id, props);
    const { config, zone } = props;

    // the zone's name is the domain: the identity is the domain, so any address @<domain> may send
    this.emailIdentity = new ses.EmailIdentity(this, 'EmailIdentity', {
      identity: ses.Identity.publicHostedZone(zone),
      dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
      dkimSigning: true,
    });

    // Placeholders: CloudFormation writes a random value once; the operator's value replaces it. Never change the
    // generateSecretString options of these two: CloudFormation would generate again and overwrite the real value.
    this.crmTokenSecret = new secretsmanager.Secret(this, 'CrmTokenSecret', {
      secretName: `genlake/${config.name}/crm-token`,
      description: `genlake ${config.name}: bearer token of the CRM for the notifier (CRM_TOKEN); ${OPERATOR_FILLS}`,
      generateSecretString: { passwordLength: 32, excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS },
    });
    this.smtpSecret = new secretsmanager.Secret(this, 'SmtpSecret', {
      secretName: `genlake/${config.name}/smtp`,
      description:
        `genlake ${config.name}: SES SMTP credentials of the notifier, JSON {"user","password"} ` +
        `(SMTP_USER, SMTP_PASSWORD); ${OPERATOR_FILLS}`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ user: 'replace-with-the-smtp-user' }),
        generateStringKey: 'password',
        passwordLength: 32,
        excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
      },
    });

    NagSuppressions.addResourceSuppressions(this.crmTokenSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The CRM issues this token; no rotation function can obtain a new one. An operator puts a new token in the ' +
          'secret and restarts the notifier (docs/operations.md).',
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.smtpSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'SES SMTP credentials are derived from an IAM access key of a send-only user; an operator rotates them with ' +
          'a second access key and a restart of the notifier, without a gap (docs/operations.md).',
      },
    ]);
  }
}
