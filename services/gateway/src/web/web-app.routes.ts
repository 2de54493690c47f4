/** Pages of the web app that the gateway links to (emails) or stands in for when the app is not built. */
export const WEB_APP_ROUTES = {
  /** The email-confirmation page: `?token=` from the confirmation email, a button that confirms. */
  confirm: '/confirm',
} as const;
