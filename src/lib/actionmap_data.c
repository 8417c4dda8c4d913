/*
 * actionmap_data.c - the action mapping table: provider events -> the permissions they need
 * (format in actionmap_data.h, use in actionmap.c).
 *
 * Sources: the AWS Service Authorization Reference (actions, resource types, dependent
 * actions), the S3 user guide's "Required permissions for Amazon S3 API operations" and the
 * per-operation "Permissions" paragraphs of the S3, STS, Lambda and EC2 API references, the
 * CloudTrail user guide (data events), the GCP IAM permissions reference and Vault's policy
 * documentation (root-protected paths).  Events absent from this table are still mapped
 * ("<prefix>:<eventName>") but flagged as a guess; keep entries here for every event whose
 * action, resource or extra permissions differ from that guess.
 */
#include <stddef.h>

#include "lib/actionmap.h"
#include "lib/actionmap_data.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* one permission: always / when a parameter is present / dependent with a condition */
#define P(a, r)			{ a, r, NULL, NULL, 0, NULL }
#define PN(a, r, n)		{ a, r, NULL, NULL, 0, n }
#define PW(a, r, w)		{ a, r, w, NULL, 0, NULL }
#define PD(a, r, w, c, n)	{ a, r, w, c, CT_AM_DEPENDENT, n }
/* entries: plain, with a note, data events, calls needing no permission */
#define E(s, e, ...)		{ s, e, 0, NULL, { __VA_ARGS__ } }
#define EN(s, e, n, ...)	{ s, e, 0, n, { __VA_ARGS__ } }
#define ED(s, e, n, ...)	{ s, e, CT_AM_DATA, n, { __VA_ARGS__ } }
#define EFREE(s, e, n)		{ s, e, CT_AM_NONE_NEEDED, n, { { NULL, NULL, NULL, NULL, 0, NULL } } }

#define RENAMED		"renamed: the IAM action is not the operation's name"
#define NOT_ACTION	"no action of its own: authorized by another action"
#define ACL_PARAMS	"x-amz-acl,x-amz-grant-read,x-amz-grant-write,x-amz-grant-read-acp," \
			"x-amz-grant-write-acp,x-amz-grant-full-control"
#define WITH_ACL	"the request sets an ACL"
#define WITH_TAGS	"the request sets tags"
#define TAG_ON_CREATE	"tags on create: the tags are authorized as ec2:CreateTags"

/* ---- AWS ---- */

#define S3	"s3.amazonaws.com"
#define BKT	"arn:${Partition}:s3:::${bucketName}"
#define OBJ	"arn:${Partition}:s3:::${bucketName}/${key}"
#define SRC	"arn:${Partition}:s3:::${x-amz-copy-source|copysrc}"
#define S3OBJS	"@AWS::S3::Object"

#define R53	"route53.amazonaws.com"
#define HZ(p)	"arn:${Partition}:route53:::hostedzone/${" p "|basename}"

#define STS	"sts.amazonaws.com"
#define IAM	"iam.amazonaws.com"
#define IAMU	"arn:${Partition}:iam::${Account}:user/${userName}"
#define IAMR	"arn:${Partition}:iam::${Account}:role/${roleName}"
#define IAMG	"arn:${Partition}:iam::${Account}:group/${groupName}"
#define IAMP	"${policyArn}"

#define EC2	"ec2.amazonaws.com"
#define EC2I(p)	"arn:${Partition}:ec2:${Region}:${Account}:instance/${" p "}"
#define EC2ANY	"arn:${Partition}:ec2:${Region}:${Account}:*/*"
#define KMSKEY(p) "arn:${Partition}:kms:${Region}:${Account}:key/${" p "|arn}"

#define LAMBDA	"lambda.amazonaws.com"
#define FN	"arn:${Partition}:lambda:${Region}:${Account}:function:${functionName|arn}"

#define KMS	"kms.amazonaws.com"
#define KEYS	"@AWS::KMS::Key"

#define SM	"secretsmanager.amazonaws.com"
#define SECRET	"arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${secretId|arn}-??????"

#define SSM	"ssm.amazonaws.com"
#define PARAM(p) "arn:${Partition}:ssm:${Region}:${Account}:parameter/${" p "|noslash}"

#define CW	"monitoring.amazonaws.com"
#define SESV1	"email.amazonaws.com"
#define SES	"ses.amazonaws.com"

#define DDB	"dynamodb.amazonaws.com"
#define TABLE	"arn:${Partition}:dynamodb:${Region}:${Account}:table/${tableName}"

#define SQS	"sqs.amazonaws.com"
#define QUEUE	"${queueUrl|sqsarn}"
#define SNS	"sns.amazonaws.com"

#define CTRAIL	"cloudtrail.amazonaws.com"
#define TRAIL(p) "arn:${Partition}:cloudtrail:${Region}:${Account}:trail/${" p "|arn}"

#define LOGS	"logs.amazonaws.com"
#define LGROUP	"arn:${Partition}:logs:${Region}:${Account}:log-group:${logGroupName}"

#define RDS	"rds.amazonaws.com"
#define RDSDB	"arn:${Partition}:rds:${Region}:${Account}:db:${dBInstanceIdentifier}"

#define ECR	"ecr.amazonaws.com"
#define REPO	"arn:${Partition}:ecr:${Region}:${Account}:repository/${repositoryName}"

#define PASS(p, svc, why) PD("iam:PassRole", "${" p "|arn}", p, \
	"iam:PassedToService=" svc, why)

const struct ct_am_entry ct_am_aws_table[] = {
	/* S3 buckets: names the same, resource the bucket */
	E(S3, "GetBucketAcl", P("s3:GetBucketAcl", BKT)),
	E(S3, "PutBucketAcl", P("s3:PutBucketAcl", BKT)),
	E(S3, "GetBucketPolicy", P("s3:GetBucketPolicy", BKT)),
	E(S3, "PutBucketPolicy", P("s3:PutBucketPolicy", BKT)),
	E(S3, "DeleteBucketPolicy", P("s3:DeleteBucketPolicy", BKT)),
	E(S3, "GetBucketPolicyStatus", P("s3:GetBucketPolicyStatus", BKT)),
	E(S3, "GetBucketLocation", P("s3:GetBucketLocation", BKT)),
	E(S3, "GetBucketLogging", P("s3:GetBucketLogging", BKT)),
	E(S3, "PutBucketLogging", P("s3:PutBucketLogging", BKT)),
	E(S3, "GetBucketVersioning", P("s3:GetBucketVersioning", BKT)),
	E(S3, "PutBucketVersioning", P("s3:PutBucketVersioning", BKT)),
	E(S3, "GetBucketTagging", P("s3:GetBucketTagging", BKT)),
	E(S3, "PutBucketTagging", P("s3:PutBucketTagging", BKT)),
	E(S3, "GetBucketWebsite", P("s3:GetBucketWebsite", BKT)),
	E(S3, "PutBucketWebsite", P("s3:PutBucketWebsite", BKT)),
	E(S3, "DeleteBucketWebsite", P("s3:DeleteBucketWebsite", BKT)),
	E(S3, "GetBucketRequestPayment", P("s3:GetBucketRequestPayment", BKT)),
	E(S3, "PutBucketRequestPayment", P("s3:PutBucketRequestPayment", BKT)),
	E(S3, "GetBucketOwnershipControls", P("s3:GetBucketOwnershipControls", BKT)),
	E(S3, "PutBucketOwnershipControls", P("s3:PutBucketOwnershipControls", BKT)),
	E(S3, "DeleteBucket", P("s3:DeleteBucket", BKT)),
	EN(S3, "CreateBucket", "an ACL, object lock or object ownership in the request needs "
	    "more actions",
	    P("s3:CreateBucket", BKT),
	    PD("s3:PutBucketAcl", BKT, ACL_PARAMS, NULL, WITH_ACL),
	    PD("s3:PutBucketObjectLockConfiguration", BKT, "x-amz-bucket-object-lock-enabled",
		NULL, "the request enables object lock"),
	    PD("s3:PutBucketVersioning", BKT, "x-amz-bucket-object-lock-enabled", NULL,
		"object lock turns versioning on"),
	    PD("s3:PutBucketOwnershipControls", BKT, "x-amz-object-ownership", NULL,
		"the request sets object ownership")),
	/* S3 buckets: renamed */
	EN(S3, "GetBucketLifecycle", RENAMED, P("s3:GetLifecycleConfiguration", BKT)),
	EN(S3, "GetBucketLifecycleConfiguration", RENAMED, P("s3:GetLifecycleConfiguration", BKT)),
	EN(S3, "PutBucketLifecycle", RENAMED, P("s3:PutLifecycleConfiguration", BKT)),
	EN(S3, "PutBucketLifecycleConfiguration", RENAMED, P("s3:PutLifecycleConfiguration", BKT)),
	EN(S3, "DeleteBucketLifecycle", RENAMED, P("s3:PutLifecycleConfiguration", BKT)),
	EN(S3, "GetBucketCors", RENAMED, P("s3:GetBucketCORS", BKT)),
	EN(S3, "PutBucketCors", RENAMED, P("s3:PutBucketCORS", BKT)),
	EN(S3, "DeleteBucketCors", RENAMED, P("s3:PutBucketCORS", BKT)),
	EN(S3, "GetBucketEncryption", RENAMED, P("s3:GetEncryptionConfiguration", BKT)),
	EN(S3, "PutBucketEncryption", RENAMED, P("s3:PutEncryptionConfiguration", BKT)),
	EN(S3, "DeleteBucketEncryption", RENAMED, P("s3:PutEncryptionConfiguration", BKT)),
	EN(S3, "GetBucketReplication", RENAMED, P("s3:GetReplicationConfiguration", BKT)),
	EN(S3, "PutBucketReplication", RENAMED, P("s3:PutReplicationConfiguration", BKT)),
	EN(S3, "DeleteBucketReplication", RENAMED, P("s3:PutReplicationConfiguration", BKT)),
	EN(S3, "DeleteBucketTagging", RENAMED, P("s3:PutBucketTagging", BKT)),
	EN(S3, "GetBucketNotificationConfiguration", RENAMED, P("s3:GetBucketNotification", BKT)),
	EN(S3, "PutBucketNotificationConfiguration", RENAMED, P("s3:PutBucketNotification", BKT)),
	E(S3, "GetBucketNotification", P("s3:GetBucketNotification", BKT)),
	E(S3, "PutBucketNotification", P("s3:PutBucketNotification", BKT)),
	EN(S3, "GetBucketAccelerateConfiguration", RENAMED,
	    P("s3:GetAccelerateConfiguration", BKT)),
	EN(S3, "PutBucketAccelerateConfiguration", RENAMED,
	    P("s3:PutAccelerateConfiguration", BKT)),
	EN(S3, "GetBucketAnalyticsConfiguration", RENAMED, P("s3:GetAnalyticsConfiguration", BKT)),
	EN(S3, "ListBucketAnalyticsConfigurations", RENAMED,
	    P("s3:GetAnalyticsConfiguration", BKT)),
	EN(S3, "PutBucketAnalyticsConfiguration", RENAMED, P("s3:PutAnalyticsConfiguration", BKT)),
	EN(S3, "DeleteBucketAnalyticsConfiguration", RENAMED,
	    P("s3:PutAnalyticsConfiguration", BKT)),
	EN(S3, "GetBucketInventoryConfiguration", RENAMED, P("s3:GetInventoryConfiguration", BKT)),
	EN(S3, "ListBucketInventoryConfigurations", RENAMED,
	    P("s3:GetInventoryConfiguration", BKT)),
	EN(S3, "PutBucketInventoryConfiguration", RENAMED, P("s3:PutInventoryConfiguration", BKT)),
	EN(S3, "DeleteBucketInventoryConfiguration", RENAMED,
	    P("s3:PutInventoryConfiguration", BKT)),
	EN(S3, "GetBucketMetricsConfiguration", RENAMED, P("s3:GetMetricsConfiguration", BKT)),
	EN(S3, "ListBucketMetricsConfigurations", RENAMED, P("s3:GetMetricsConfiguration", BKT)),
	EN(S3, "PutBucketMetricsConfiguration", RENAMED, P("s3:PutMetricsConfiguration", BKT)),
	EN(S3, "DeleteBucketMetricsConfiguration", RENAMED, P("s3:PutMetricsConfiguration", BKT)),
	EN(S3, "GetBucketIntelligentTieringConfiguration", RENAMED,
	    P("s3:GetIntelligentTieringConfiguration", BKT)),
	EN(S3, "ListBucketIntelligentTieringConfigurations", RENAMED,
	    P("s3:GetIntelligentTieringConfiguration", BKT)),
	EN(S3, "PutBucketIntelligentTieringConfiguration", RENAMED,
	    P("s3:PutIntelligentTieringConfiguration", BKT)),
	EN(S3, "DeleteBucketIntelligentTieringConfiguration", RENAMED,
	    P("s3:PutIntelligentTieringConfiguration", BKT)),
	EN(S3, "DeleteBucketOwnershipControls", RENAMED, P("s3:PutBucketOwnershipControls", BKT)),
	EN(S3, "GetPublicAccessBlock", RENAMED, P("s3:GetBucketPublicAccessBlock", BKT)),
	E(S3, "GetBucketPublicAccessBlock", P("s3:GetBucketPublicAccessBlock", BKT)),
	EN(S3, "PutPublicAccessBlock", RENAMED, P("s3:PutBucketPublicAccessBlock", BKT)),
	E(S3, "PutBucketPublicAccessBlock", P("s3:PutBucketPublicAccessBlock", BKT)),
	EN(S3, "DeletePublicAccessBlock", RENAMED, P("s3:PutBucketPublicAccessBlock", BKT)),
	EN(S3, "DeleteBucketPublicAccessBlock", RENAMED, P("s3:PutBucketPublicAccessBlock", BKT)),
	EN(S3, "GetObjectLockConfiguration", RENAMED,
	    P("s3:GetBucketObjectLockConfiguration", BKT)),
	EN(S3, "PutObjectLockConfiguration", RENAMED,
	    P("s3:PutBucketObjectLockConfiguration", BKT)),
	/* S3: calls that are no action of their own, lists */
	EN(S3, "HeadBucket", NOT_ACTION, P("s3:ListBucket", BKT)),
	EN(S3, "ListBuckets", RENAMED, P("s3:ListAllMyBuckets", "*")),
	E(S3, "ListAllMyBuckets", P("s3:ListAllMyBuckets", "*")),
	ED(S3, "ListObjects", RENAMED, P("s3:ListBucket", BKT)),
	ED(S3, "ListObjectsV2", RENAMED, P("s3:ListBucket", BKT)),
	ED(S3, "ListBucket", NULL, P("s3:ListBucket", BKT)),
	ED(S3, "ListObjectVersions", RENAMED, P("s3:ListBucketVersions", BKT)),
	ED(S3, "ListMultipartUploads", RENAMED, P("s3:ListBucketMultipartUploads", BKT)),
	/* S3 objects (data events); a versionId makes it the *Version action */
	ED(S3, "GetObject", NULL,
	    PW("s3:GetObject", OBJ, "!versionId"), PW("s3:GetObjectVersion", OBJ, "versionId")),
	ED(S3, "HeadObject", NOT_ACTION,
	    PW("s3:GetObject", OBJ, "!versionId"), PW("s3:GetObjectVersion", OBJ, "versionId")),
	ED(S3, "SelectObjectContent", NOT_ACTION, P("s3:GetObject", OBJ)),
	ED(S3, "GetObjectAttributes", "needs read access to the object as well",
	    PW("s3:GetObject", OBJ, "!versionId"),
	    PW("s3:GetObjectAttributes", OBJ, "!versionId"),
	    PW("s3:GetObjectVersion", OBJ, "versionId"),
	    PW("s3:GetObjectVersionAttributes", OBJ, "versionId")),
	ED(S3, "PutObject", NULL,
	    P("s3:PutObject", OBJ),
	    PD("s3:PutObjectAcl", OBJ, ACL_PARAMS, NULL, WITH_ACL),
	    PD("s3:PutObjectTagging", OBJ, "x-amz-tagging", NULL, WITH_TAGS)),
	ED(S3, "CopyObject", "one call, two actions: reads the source, writes the target",
	    PN("s3:GetObject", SRC, "the copy source is read"),
	    PN("s3:PutObject", OBJ, "the target is written"),
	    PD("s3:PutObjectAcl", OBJ, ACL_PARAMS, NULL, WITH_ACL),
	    PD("s3:PutObjectTagging", OBJ, "x-amz-tagging", NULL, WITH_TAGS)),
	ED(S3, "UploadPartCopy", "one call, two actions: reads the source, writes the target",
	    PN("s3:GetObject", SRC, "the copy source is read"),
	    PN("s3:PutObject", OBJ, "the target is written")),
	ED(S3, "CreateMultipartUpload", NOT_ACTION,
	    P("s3:PutObject", OBJ),
	    PD("s3:PutObjectAcl", OBJ, ACL_PARAMS, NULL, WITH_ACL),
	    PD("s3:PutObjectTagging", OBJ, "x-amz-tagging", NULL, WITH_TAGS)),
	ED(S3, "UploadPart", NOT_ACTION, P("s3:PutObject", OBJ)),
	ED(S3, "CompleteMultipartUpload", NOT_ACTION, P("s3:PutObject", OBJ)),
	ED(S3, "AbortMultipartUpload", NULL, P("s3:AbortMultipartUpload", OBJ)),
	ED(S3, "ListParts", RENAMED, P("s3:ListMultipartUploadParts", OBJ)),
	ED(S3, "DeleteObject", NULL,
	    PW("s3:DeleteObject", OBJ, "!versionId"), PW("s3:DeleteObjectVersion", OBJ, "versionId")),
	ED(S3, "DeleteObjects", "each object deleted needs s3:DeleteObject",
	    P("s3:DeleteObject", S3OBJS)),
	ED(S3, "GetObjectAcl", NULL,
	    PW("s3:GetObjectAcl", OBJ, "!versionId"), PW("s3:GetObjectVersionAcl", OBJ, "versionId")),
	ED(S3, "PutObjectAcl", NULL,
	    PW("s3:PutObjectAcl", OBJ, "!versionId"), PW("s3:PutObjectVersionAcl", OBJ, "versionId")),
	ED(S3, "GetObjectTagging", NULL,
	    PW("s3:GetObjectTagging", OBJ, "!versionId"),
	    PW("s3:GetObjectVersionTagging", OBJ, "versionId")),
	ED(S3, "PutObjectTagging", NULL,
	    PW("s3:PutObjectTagging", OBJ, "!versionId"),
	    PW("s3:PutObjectVersionTagging", OBJ, "versionId")),
	ED(S3, "DeleteObjectTagging", NULL,
	    PW("s3:DeleteObjectTagging", OBJ, "!versionId"),
	    PW("s3:DeleteObjectVersionTagging", OBJ, "versionId")),
	ED(S3, "GetObjectRetention", NULL, P("s3:GetObjectRetention", OBJ)),
	ED(S3, "PutObjectRetention", NULL, P("s3:PutObjectRetention", OBJ)),
	ED(S3, "GetObjectLegalHold", NULL, P("s3:GetObjectLegalHold", OBJ)),
	ED(S3, "PutObjectLegalHold", NULL, P("s3:PutObjectLegalHold", OBJ)),
	ED(S3, "RestoreObject", NULL, P("s3:RestoreObject", OBJ)),
	ED(S3, "GetObjectTorrent", NULL, P("s3:GetObjectTorrent", OBJ)),

	/* Route 53: the zone is hostedZoneId or id, sometimes as "/hostedzone/Z..." */
	E(R53, "ListResourceRecordSets", P("route53:ListResourceRecordSets", HZ("hostedZoneId"))),
	E(R53, "ChangeResourceRecordSets", P("route53:ChangeResourceRecordSets",
	    HZ("hostedZoneId"))),
	E(R53, "GetHostedZone", P("route53:GetHostedZone", HZ("id"))),
	E(R53, "DeleteHostedZone", P("route53:DeleteHostedZone", HZ("id"))),
	E(R53, "UpdateHostedZoneComment", P("route53:UpdateHostedZoneComment", HZ("id"))),
	E(R53, "GetChange", P("route53:GetChange",
	    "arn:${Partition}:route53:::change/${id|basename}")),
	E(R53, "ListHostedZones", P("route53:ListHostedZones", "*")),
	E(R53, "ListHostedZonesByName", P("route53:ListHostedZonesByName", "*")),
	E(R53, "GetHostedZoneCount", P("route53:GetHostedZoneCount", "*")),
	E(R53, "ListHealthChecks", P("route53:ListHealthChecks", "*")),
	E(R53, "GetHealthCheck", P("route53:GetHealthCheck",
	    "arn:${Partition}:route53:::healthcheck/${healthCheckId}")),
	E(R53, "ListTagsForResource", P("route53:ListTagsForResource",
	    "arn:${Partition}:route53:::${resourceType}/${resourceId}")),
	E(R53, "ChangeTagsForResource", P("route53:ChangeTagsForResource",
	    "arn:${Partition}:route53:::${resourceType}/${resourceId}")),
	EN(R53, "CreateHostedZone", "a private zone needs its VPC described",
	    P("route53:CreateHostedZone", "*"),
	    PD("ec2:DescribeVpcs", "*", "vPC,vpc", NULL, "a private zone names a VPC")),
	E(R53, "AssociateVPCWithHostedZone",
	    P("route53:AssociateVPCWithHostedZone", HZ("hostedZoneId")),
	    PD("ec2:DescribeVpcs", "*", NULL, NULL, "the VPC is described")),

	/* STS */
	EN(STS, "AssumeRole", "session tags and a source identity need their own actions",
	    P("sts:AssumeRole", "${roleArn}"),
	    PD("sts:TagSession", "${roleArn}", "tags,transitiveTagKeys", NULL,
		"the request passes session tags"),
	    PD("sts:SetSourceIdentity", "${roleArn}", "sourceIdentity", NULL,
		"the request sets a source identity")),
	EFREE(STS, "GetCallerIdentity", "needs no permission: always allowed"),
	EFREE(STS, "GetSessionToken", "needs no permission"),
	EFREE(STS, "AssumeRoleWithWebIdentity", "unsigned: allowed by the role's trust policy"),
	EFREE(STS, "AssumeRoleWithSAML", "unsigned: allowed by the role's trust policy"),
	E(STS, "GetFederationToken", P("sts:GetFederationToken",
	    "arn:${Partition}:sts::${Account}:federated-user/${name}")),
	E(STS, "GetAccessKeyInfo", P("sts:GetAccessKeyInfo", "*")),
	E(STS, "DecodeAuthorizationMessage", P("sts:DecodeAuthorizationMessage", "*")),

	/* IAM: names without their path (the event does not show it) */
	E(IAM, "CreateUser", P("iam:CreateUser", IAMU)),
	E(IAM, "DeleteUser", P("iam:DeleteUser", IAMU)),
	E(IAM, "GetUser", P("iam:GetUser", IAMU)),
	E(IAM, "AttachUserPolicy", P("iam:AttachUserPolicy", IAMU)),
	E(IAM, "DetachUserPolicy", P("iam:DetachUserPolicy", IAMU)),
	E(IAM, "PutUserPolicy", P("iam:PutUserPolicy", IAMU)),
	E(IAM, "DeleteUserPolicy", P("iam:DeleteUserPolicy", IAMU)),
	E(IAM, "GetUserPolicy", P("iam:GetUserPolicy", IAMU)),
	E(IAM, "ListUserPolicies", P("iam:ListUserPolicies", IAMU)),
	E(IAM, "ListAttachedUserPolicies", P("iam:ListAttachedUserPolicies", IAMU)),
	E(IAM, "CreateAccessKey", P("iam:CreateAccessKey", IAMU)),
	E(IAM, "DeleteAccessKey", P("iam:DeleteAccessKey", IAMU)),
	E(IAM, "UpdateAccessKey", P("iam:UpdateAccessKey", IAMU)),
	E(IAM, "ListAccessKeys", P("iam:ListAccessKeys", IAMU)),
	E(IAM, "CreateLoginProfile", P("iam:CreateLoginProfile", IAMU)),
	E(IAM, "UpdateLoginProfile", P("iam:UpdateLoginProfile", IAMU)),
	E(IAM, "DeleteLoginProfile", P("iam:DeleteLoginProfile", IAMU)),
	E(IAM, "GetLoginProfile", P("iam:GetLoginProfile", IAMU)),
	E(IAM, "ListGroupsForUser", P("iam:ListGroupsForUser", IAMU)),
	E(IAM, "AddUserToGroup", P("iam:AddUserToGroup", IAMG)),
	E(IAM, "RemoveUserFromGroup", P("iam:RemoveUserFromGroup", IAMG)),
	E(IAM, "GetGroup", P("iam:GetGroup", IAMG)),
	E(IAM, "GetGroupPolicy", P("iam:GetGroupPolicy", IAMG)),
	E(IAM, "DeleteGroupPolicy", P("iam:DeleteGroupPolicy", IAMG)),
	E(IAM, "ListAttachedGroupPolicies", P("iam:ListAttachedGroupPolicies", IAMG)),
	E(IAM, "CreateRole", P("iam:CreateRole", IAMR)),
	E(IAM, "DeleteRole", P("iam:DeleteRole", IAMR)),
	E(IAM, "GetRole", P("iam:GetRole", IAMR)),
	E(IAM, "UpdateRole", P("iam:UpdateRole", IAMR)),
	E(IAM, "TagRole", P("iam:TagRole", IAMR)),
	E(IAM, "AttachRolePolicy", P("iam:AttachRolePolicy", IAMR)),
	E(IAM, "DetachRolePolicy", P("iam:DetachRolePolicy", IAMR)),
	E(IAM, "PutRolePolicy", P("iam:PutRolePolicy", IAMR)),
	E(IAM, "DeleteRolePolicy", P("iam:DeleteRolePolicy", IAMR)),
	E(IAM, "GetRolePolicy", P("iam:GetRolePolicy", IAMR)),
	E(IAM, "ListRolePolicies", P("iam:ListRolePolicies", IAMR)),
	E(IAM, "ListAttachedRolePolicies", P("iam:ListAttachedRolePolicies", IAMR)),
	E(IAM, "UpdateAssumeRolePolicy", P("iam:UpdateAssumeRolePolicy", IAMR)),
	E(IAM, "CreateServiceLinkedRole", { "iam:CreateServiceLinkedRole",
	    "arn:${Partition}:iam::${Account}:role/aws-service-role/*", NULL,
	    "iam:AWSServiceName=${aWSServiceName}", 0, NULL }),
	E(IAM, "CreatePolicy", P("iam:CreatePolicy",
	    "arn:${Partition}:iam::${Account}:policy/${policyName}")),
	E(IAM, "CreatePolicyVersion", P("iam:CreatePolicyVersion", IAMP)),
	E(IAM, "GetPolicy", P("iam:GetPolicy", IAMP)),
	E(IAM, "GetPolicyVersion", P("iam:GetPolicyVersion", IAMP)),
	E(IAM, "DeletePolicy", P("iam:DeletePolicy", IAMP)),
	E(IAM, "ListPolicies", P("iam:ListPolicies", "*")),
	E(IAM, "ListRoles", P("iam:ListRoles", "*")),
	E(IAM, "ListUsers", P("iam:ListUsers", "*")),
	E(IAM, "ListGroups", P("iam:ListGroups", "*")),
	E(IAM, "GetAccountSummary", P("iam:GetAccountSummary", "*")),
	E(IAM, "GetAccountAuthorizationDetails", P("iam:GetAccountAuthorizationDetails", "*")),
	E(IAM, "CreateInstanceProfile", P("iam:CreateInstanceProfile",
	    "arn:${Partition}:iam::${Account}:instance-profile/${instanceProfileName}")),
	EN(IAM, "AddRoleToInstanceProfile", "putting a role in a profile passes it",
	    P("iam:AddRoleToInstanceProfile",
		"arn:${Partition}:iam::${Account}:instance-profile/${instanceProfileName}"),
	    PD("iam:PassRole", IAMR, NULL, NULL, "the role is passed to the profile")),
	E(IAM, "CreateVirtualMFADevice", P("iam:CreateVirtualMFADevice",
	    "arn:${Partition}:iam::${Account}:mfa/${virtualMFADeviceName}")),
	E(IAM, "CreateSAMLProvider", P("iam:CreateSAMLProvider",
	    "arn:${Partition}:iam::${Account}:saml-provider/${name}")),
	E(IAM, "UpdateSAMLProvider", P("iam:UpdateSAMLProvider", "${sAMLProviderArn}")),
	E(IAM, "DeleteSAMLProvider", P("iam:DeleteSAMLProvider", "${sAMLProviderArn}")),

	/* EC2 */
	EN(EC2, "RunInstances", "RunInstances authorizes several resource types (instance, "
	    "image, subnet, volume, ...): scoped to *",
	    P("ec2:RunInstances", "*"),
	    PD("iam:PassRole", NULL, "iamInstanceProfile,resp:instancesSet.items[].iamInstanceProfile",
		"iam:PassedToService=ec2.amazonaws.com",
		"the instance profile passes its role to the instance"),
	    PD("ec2:CreateTags", EC2ANY, "tagSpecificationSet", "ec2:CreateAction=RunInstances",
		TAG_ON_CREATE),
	    PD("kms:CreateGrant", KMSKEY("blockDeviceMapping.items[].ebs.kmsKeyId"),
		"blockDeviceMapping.items[].ebs.kmsKeyId", "kms:GrantIsForAWSResource=true",
		"EBS encrypts the volume with a customer managed key through a grant")),
	E(EC2, "CreateVolume", P("ec2:CreateVolume", "*"),
	    PD("ec2:CreateTags", EC2ANY, "tagSpecificationSet", "ec2:CreateAction=CreateVolume",
		TAG_ON_CREATE),
	    PD("kms:CreateGrant", KMSKEY("kmsKeyId"), "kmsKeyId", "kms:GrantIsForAWSResource=true",
		"EBS encrypts the volume with a customer managed key through a grant")),
	E(EC2, "CreateSnapshot", P("ec2:CreateSnapshot", "*"),
	    PD("ec2:CreateTags", EC2ANY, "tagSpecificationSet", "ec2:CreateAction=CreateSnapshot",
		TAG_ON_CREATE)),
	E(EC2, "CreateSecurityGroup", P("ec2:CreateSecurityGroup", "*"),
	    PD("ec2:CreateTags", EC2ANY, "tagSpecificationSet",
		"ec2:CreateAction=CreateSecurityGroup", TAG_ON_CREATE)),
	E(EC2, "CreateVpc", P("ec2:CreateVpc", "*"),
	    PD("ec2:CreateTags", EC2ANY, "tagSpecificationSet", "ec2:CreateAction=CreateVpc",
		TAG_ON_CREATE)),
	E(EC2, "StartInstances", P("ec2:StartInstances", EC2I("instancesSet.items[].instanceId"))),
	E(EC2, "StopInstances", P("ec2:StopInstances", EC2I("instancesSet.items[].instanceId"))),
	E(EC2, "RebootInstances", P("ec2:RebootInstances", EC2I("instancesSet.items[].instanceId"))),
	E(EC2, "TerminateInstances", P("ec2:TerminateInstances",
	    EC2I("instancesSet.items[].instanceId"))),
	E(EC2, "GetPasswordData", P("ec2:GetPasswordData", EC2I("instanceId"))),
	E(EC2, "ModifyInstanceAttribute", P("ec2:ModifyInstanceAttribute", EC2I("instanceId"))),
	E(EC2, "AuthorizeSecurityGroupIngress", P("ec2:AuthorizeSecurityGroupIngress",
	    "arn:${Partition}:ec2:${Region}:${Account}:security-group/${groupId}")),
	E(EC2, "ModifySnapshotAttribute", P("ec2:ModifySnapshotAttribute",
	    "arn:${Partition}:ec2:${Region}::snapshot/${snapshotId}")),
	E(EC2, "ModifyImageAttribute", P("ec2:ModifyImageAttribute",
	    "arn:${Partition}:ec2:${Region}::image/${imageId}")),
	E(EC2, "DescribeInstances", P("ec2:DescribeInstances", "*")),
	E(EC2, "DescribeRegions", P("ec2:DescribeRegions", "*")),
	E(EC2, "DescribeVpcs", P("ec2:DescribeVpcs", "*")),
	E(EC2, "DescribeSecurityGroups", P("ec2:DescribeSecurityGroups", "*")),
	E(EC2, "DescribeSnapshots", P("ec2:DescribeSnapshots", "*")),
	E(EC2, "DescribeVolumes", P("ec2:DescribeVolumes", "*")),

	/* Lambda (API version suffixes are dropped before the lookup) */
	ED(LAMBDA, "Invoke", RENAMED, P("lambda:InvokeFunction", FN)),
	ED(LAMBDA, "InvokeAsync", RENAMED, P("lambda:InvokeFunction", FN)),
	EN(LAMBDA, "CreateFunction", "the execution role is passed to Lambda",
	    P("lambda:CreateFunction", FN),
	    PASS("role", "lambda.amazonaws.com", "the execution role is passed to the function"),
	    PD("lambda:GetLayerVersion", "${layers}", "layers", NULL,
		"a layer added to a function must be readable")),
	E(LAMBDA, "UpdateFunctionConfiguration", P("lambda:UpdateFunctionConfiguration", FN),
	    PASS("role", "lambda.amazonaws.com", "a new execution role is passed"),
	    PD("lambda:GetLayerVersion", "${layers}", "layers", NULL,
		"a layer added to a function must be readable")),
	E(LAMBDA, "UpdateFunctionCode", P("lambda:UpdateFunctionCode", FN)),
	E(LAMBDA, "GetFunction", P("lambda:GetFunction", FN)),
	E(LAMBDA, "GetFunctionConfiguration", P("lambda:GetFunctionConfiguration", FN)),
	E(LAMBDA, "DeleteFunction", P("lambda:DeleteFunction", FN)),
	E(LAMBDA, "AddPermission", P("lambda:AddPermission", FN)),
	E(LAMBDA, "RemovePermission", P("lambda:RemovePermission", FN)),
	E(LAMBDA, "GetPolicy", P("lambda:GetPolicy", FN)),
	E(LAMBDA, "PublishVersion", P("lambda:PublishVersion", FN)),
	E(LAMBDA, "ListFunctions", P("lambda:ListFunctions", "*")),

	/* KMS: the key is in resources[] */
	E(KMS, "Decrypt", P("kms:Decrypt", KEYS)),
	E(KMS, "Encrypt", P("kms:Encrypt", KEYS)),
	E(KMS, "GenerateDataKey", P("kms:GenerateDataKey", KEYS)),
	E(KMS, "GenerateDataKeyWithoutPlaintext", P("kms:GenerateDataKeyWithoutPlaintext", KEYS)),
	EN(KMS, "ReEncrypt", "one call, two actions: decrypts under one key, encrypts under another",
	    P("kms:ReEncryptFrom", KEYS), P("kms:ReEncryptTo", KEYS)),
	E(KMS, "DescribeKey", P("kms:DescribeKey", KEYS)),
	E(KMS, "CreateGrant", P("kms:CreateGrant", KEYS)),
	E(KMS, "ScheduleKeyDeletion", P("kms:ScheduleKeyDeletion", KEYS)),
	E(KMS, "DisableKey", P("kms:DisableKey", KEYS)),
	E(KMS, "PutKeyPolicy", P("kms:PutKeyPolicy", KEYS)),
	E(KMS, "CreateKey", P("kms:CreateKey", "*")),
	E(KMS, "ListKeys", P("kms:ListKeys", "*")),
	E(KMS, "ListAliases", P("kms:ListAliases", "*")),

	/* Secrets Manager: a secret's ARN ends in a random "-XXXXXX" */
	E(SM, "GetSecretValue", P("secretsmanager:GetSecretValue", SECRET)),
	E(SM, "DescribeSecret", P("secretsmanager:DescribeSecret", SECRET)),
	E(SM, "PutSecretValue", P("secretsmanager:PutSecretValue", SECRET)),
	E(SM, "UpdateSecret", P("secretsmanager:UpdateSecret", SECRET)),
	E(SM, "DeleteSecret", P("secretsmanager:DeleteSecret", SECRET)),
	E(SM, "PutResourcePolicy", P("secretsmanager:PutResourcePolicy", SECRET)),
	E(SM, "GetResourcePolicy", P("secretsmanager:GetResourcePolicy", SECRET)),
	E(SM, "CreateSecret", P("secretsmanager:CreateSecret",
	    "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${name}-??????")),
	E(SM, "ListSecrets", P("secretsmanager:ListSecrets", "*")),
	EN(SM, "BatchGetSecretValue", "each secret returned needs GetSecretValue; a filter "
	    "needs ListSecrets",
	    P("secretsmanager:BatchGetSecretValue", "*"),
	    PD("secretsmanager:GetSecretValue",
		"arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${secretIdList|arn}-??????",
		"secretIdList", NULL, "each secret named is read"),
	    PD("secretsmanager:ListSecrets", "*", "filters", NULL,
		"the secrets are found with a filter")),

	/* SSM */
	E(SSM, "GetParameter", P("ssm:GetParameter", PARAM("name"))),
	E(SSM, "GetParameters", P("ssm:GetParameters", PARAM("names"))),
	E(SSM, "PutParameter", P("ssm:PutParameter", PARAM("name"))),
	E(SSM, "DeleteParameter", P("ssm:DeleteParameter", PARAM("name"))),
	E(SSM, "GetParameterHistory", P("ssm:GetParameterHistory", PARAM("name"))),
	E(SSM, "GetParametersByPath", P("ssm:GetParametersByPath", PARAM("path"))),
	E(SSM, "DescribeParameters", P("ssm:DescribeParameters", "*")),
	E(SSM, "DescribeInstanceInformation", P("ssm:DescribeInstanceInformation", "*")),
	EN(SSM, "SendCommand", "authorized on the document and on each instance",
	    P("ssm:SendCommand", "arn:${Partition}:ssm:${Region}::document/${documentName}"),
	    P("ssm:SendCommand", EC2I("instanceIds"))),
	EN(SSM, "StartSession", "authorized on the instance (and a session document if named)",
	    P("ssm:StartSession", EC2I("target"))),
	E(SSM, "TerminateSession", P("ssm:TerminateSession",
	    "arn:${Partition}:ssm:${Region}:${Account}:session/${sessionId}")),

	/* CloudWatch: eventSource monitoring, prefix cloudwatch */
	E(CW, "PutMetricData", P("cloudwatch:PutMetricData", "*")),
	E(CW, "GetMetricData", P("cloudwatch:GetMetricData", "*")),
	E(CW, "GetMetricStatistics", P("cloudwatch:GetMetricStatistics", "*")),
	E(CW, "ListMetrics", P("cloudwatch:ListMetrics", "*")),
	E(CW, "DescribeAlarms", P("cloudwatch:DescribeAlarms", "*")),
	E(CW, "PutMetricAlarm", P("cloudwatch:PutMetricAlarm",
	    "arn:${Partition}:cloudwatch:${Region}:${Account}:alarm:${alarmName}")),
	E(CW, "DeleteAlarms", P("cloudwatch:DeleteAlarms",
	    "arn:${Partition}:cloudwatch:${Region}:${Account}:alarm:${alarmNames}")),

	/* SES: the v1 endpoint is email.<region>, the prefix ses */
	E(SESV1, "SendEmail", P("ses:SendEmail", NULL)),
	E(SESV1, "SendRawEmail", P("ses:SendRawEmail", NULL)),
	E(SESV1, "GetSendQuota", P("ses:GetSendQuota", "*")),
	E(SESV1, "ListIdentities", P("ses:ListIdentities", "*")),
	E(SES, "SendEmail", P("ses:SendEmail", NULL)),
	E(SES, "SendRawEmail", P("ses:SendRawEmail", NULL)),
	E(SES, "GetSendQuota", P("ses:GetSendQuota", "*")),
	E(SES, "ListIdentities", P("ses:ListIdentities", "*")),
	E(SES, "GetAccountSendingEnabled", P("ses:GetAccountSendingEnabled", "*")),
	E(SES, "GetIdentityVerificationAttributes",
	    P("ses:GetIdentityVerificationAttributes", "*")),

	/* DynamoDB */
	ED(DDB, "GetItem", NULL, P("dynamodb:GetItem", TABLE)),
	ED(DDB, "PutItem", NULL, P("dynamodb:PutItem", TABLE)),
	ED(DDB, "UpdateItem", NULL, P("dynamodb:UpdateItem", TABLE)),
	ED(DDB, "DeleteItem", NULL, P("dynamodb:DeleteItem", TABLE)),
	ED(DDB, "Query", NULL, P("dynamodb:Query", TABLE)),
	ED(DDB, "Scan", NULL, P("dynamodb:Scan", TABLE)),
	ED(DDB, "BatchGetItem", NULL, P("dynamodb:BatchGetItem", "@AWS::DynamoDB::Table")),
	ED(DDB, "BatchWriteItem", NULL, P("dynamodb:BatchWriteItem", "@AWS::DynamoDB::Table")),
	ED(DDB, "GetRecords", NULL, P("dynamodb:GetRecords", NULL)),
	ED(DDB, "GetShardIterator", NULL, P("dynamodb:GetShardIterator", NULL)),
	E(DDB, "DescribeTable", P("dynamodb:DescribeTable", TABLE)),
	E(DDB, "CreateTable", P("dynamodb:CreateTable", TABLE)),
	E(DDB, "DeleteTable", P("dynamodb:DeleteTable", TABLE)),
	E(DDB, "ListTables", P("dynamodb:ListTables", "*")),

	/* SQS, SNS */
	ED(SQS, "SendMessage", NULL, P("sqs:SendMessage", QUEUE)),
	ED(SQS, "SendMessageBatch", "authorized as SendMessage", P("sqs:SendMessage", QUEUE)),
	ED(SQS, "ReceiveMessage", NULL, P("sqs:ReceiveMessage", QUEUE)),
	ED(SQS, "DeleteMessage", NULL, P("sqs:DeleteMessage", QUEUE)),
	ED(SQS, "DeleteMessageBatch", "authorized as DeleteMessage", P("sqs:DeleteMessage", QUEUE)),
	E(SQS, "GetQueueAttributes", P("sqs:GetQueueAttributes", QUEUE)),
	E(SQS, "SetQueueAttributes", P("sqs:SetQueueAttributes", QUEUE)),
	E(SQS, "DeleteQueue", P("sqs:DeleteQueue", QUEUE)),
	E(SQS, "CreateQueue", P("sqs:CreateQueue",
	    "arn:${Partition}:sqs:${Region}:${Account}:${queueName}")),
	E(SQS, "GetQueueUrl", P("sqs:GetQueueUrl",
	    "arn:${Partition}:sqs:${Region}:${Account}:${queueName}")),
	E(SQS, "ListQueues", P("sqs:ListQueues", "*")),
	ED(SNS, "Publish", NULL, P("sns:Publish", "${topicArn}")),
	ED(SNS, "PublishBatch", "authorized as Publish", P("sns:Publish", "${topicArn}")),
	E(SNS, "CreateTopic", P("sns:CreateTopic",
	    "arn:${Partition}:sns:${Region}:${Account}:${name}")),
	E(SNS, "Subscribe", P("sns:Subscribe", "${topicArn}")),
	E(SNS, "ListTopics", P("sns:ListTopics", "*")),

	/* CloudTrail, Logs */
	E(CTRAIL, "StopLogging", P("cloudtrail:StopLogging", TRAIL("name"))),
	E(CTRAIL, "StartLogging", P("cloudtrail:StartLogging", TRAIL("name"))),
	E(CTRAIL, "DeleteTrail", P("cloudtrail:DeleteTrail", TRAIL("name"))),
	E(CTRAIL, "UpdateTrail", P("cloudtrail:UpdateTrail", TRAIL("name"))),
	E(CTRAIL, "CreateTrail", P("cloudtrail:CreateTrail", TRAIL("name"))),
	E(CTRAIL, "GetTrailStatus", P("cloudtrail:GetTrailStatus", TRAIL("name"))),
	E(CTRAIL, "PutEventSelectors", P("cloudtrail:PutEventSelectors", TRAIL("trailName"))),
	E(CTRAIL, "GetEventSelectors", P("cloudtrail:GetEventSelectors", TRAIL("trailName"))),
	E(CTRAIL, "DescribeTrails", P("cloudtrail:DescribeTrails", "*")),
	E(CTRAIL, "LookupEvents", P("cloudtrail:LookupEvents", "*")),
	E(LOGS, "CreateLogGroup", P("logs:CreateLogGroup", LGROUP)),
	E(LOGS, "DeleteLogGroup", P("logs:DeleteLogGroup", LGROUP)),
	E(LOGS, "CreateLogStream", P("logs:CreateLogStream",
	    LGROUP ":log-stream:${logStreamName}")),
	E(LOGS, "DescribeLogGroups", P("logs:DescribeLogGroups", "*")),

	/* RDS: roles passed, keys granted */
	E(RDS, "AddRoleToDBInstance", P("rds:AddRoleToDBInstance", RDSDB),
	    PASS("roleArn", "rds.amazonaws.com", "the role is passed to the instance")),
	E(RDS, "AddRoleToDBCluster", P("rds:AddRoleToDBCluster",
	    "arn:${Partition}:rds:${Region}:${Account}:cluster:${dBClusterIdentifier}"),
	    PASS("roleArn", "rds.amazonaws.com", "the role is passed to the cluster")),
	EN(RDS, "StartExportTask", "the export passes its role and uses the key through a grant",
	    P("rds:StartExportTask", "*"),
	    PASS("iamRoleArn", "rds.amazonaws.com", "the export role is passed to RDS"),
	    PD("kms:CreateGrant", KMSKEY("kmsKeyId"), "kmsKeyId", NULL,
		"RDS encrypts the export with the key through a grant"),
	    PD("kms:DescribeKey", KMSKEY("kmsKeyId"), "kmsKeyId", NULL,
		"RDS checks the export key")),
	E(RDS, "CreateDBInstance", P("rds:CreateDBInstance", RDSDB),
	    PD("kms:CreateGrant", KMSKEY("kmsKeyId"), "kmsKeyId", NULL,
		"RDS encrypts storage with the key through a grant"),
	    PD("kms:DescribeKey", KMSKEY("kmsKeyId"), "kmsKeyId", NULL, "RDS checks the key")),
	E(RDS, "ModifyDBInstance", P("rds:ModifyDBInstance", RDSDB)),
	E(RDS, "DeleteDBInstance", P("rds:DeleteDBInstance", RDSDB)),
	E(RDS, "RebootDBInstance", P("rds:RebootDBInstance", RDSDB)),

	/* services that pass roles */
	E("ecs.amazonaws.com", "RegisterTaskDefinition", P("ecs:RegisterTaskDefinition", "*"),
	    PASS("taskRoleArn", "ecs-tasks.amazonaws.com", "the task role is passed"),
	    PASS("executionRoleArn", "ecs-tasks.amazonaws.com", "the execution role is passed")),
	E("states.amazonaws.com", "CreateStateMachine", P("states:CreateStateMachine", "*"),
	    PASS("roleArn", "states.amazonaws.com", "the state machine's role is passed")),
	E("cloudformation.amazonaws.com", "CreateStack", P("cloudformation:CreateStack",
	    "arn:${Partition}:cloudformation:${Region}:${Account}:stack/${stackName}/*"),
	    PASS("roleARN", "cloudformation.amazonaws.com", "the stack's service role is passed")),
	E("glue.amazonaws.com", "CreateJob", P("glue:CreateJob", "*"),
	    PASS("role", "glue.amazonaws.com", "the job's role is passed")),

	/* ECR */
	E(ECR, "GetAuthorizationToken", P("ecr:GetAuthorizationToken", "*")),
	E(ECR, "PutImage", P("ecr:PutImage", REPO)),
	E(ECR, "BatchGetImage", P("ecr:BatchGetImage", REPO)),
	E(ECR, "GetDownloadUrlForLayer", P("ecr:GetDownloadUrlForLayer", REPO)),
	E(ECR, "SetRepositoryPolicy", P("ecr:SetRepositoryPolicy", REPO)),

	/* Bedrock */
	E("bedrock.amazonaws.com", "InvokeModel", P("bedrock:InvokeModel",
	    "arn:${Partition}:bedrock:${Region}::foundation-model/${modelId|arn}")),
};
const size_t ct_am_aws_table_len = NELEM(ct_am_aws_table);

/* eventSource -> IAM prefix where the host's first label is not the prefix, or needs saying */
const struct ct_am_service ct_am_aws_services[] = {
	{ "monitoring.amazonaws.com", "cloudwatch" },
	{ "email.amazonaws.com", "ses" },
	{ "ses.amazonaws.com", "ses" },
	{ "streams.dynamodb.amazonaws.com", "dynamodb" },
	{ "tagging.amazonaws.com", "tag" },
	{ "api.sagemaker.amazonaws.com", "sagemaker" },
	{ "runtime.sagemaker.amazonaws.com", "sagemaker" },
	{ "models.lex.amazonaws.com", "lex" },
	{ "runtime.lex.amazonaws.com", "lex" },
	{ "bedrock-runtime.amazonaws.com", "bedrock" },
	{ "elasticfilesystem.amazonaws.com", "elasticfilesystem" },
	{ "elasticloadbalancing.amazonaws.com", "elasticloadbalancing" },
	{ "execute-api.amazonaws.com", "execute-api" },
	{ "iotdata.amazonaws.com", "iot" },
	{ "data.iot.amazonaws.com", "iot" },
	{ "s3-outposts.amazonaws.com", "s3-outposts" },
	{ "sso-oauth.amazonaws.com", "sso-oauth" },
	{ "oam.amazonaws.com", "oam" },
	{ "aoss.amazonaws.com", "aoss" },
	{ "es.amazonaws.com", "es" },
	{ "states.amazonaws.com", "states" },
	{ "events.amazonaws.com", "events" },
	{ "route53.amazonaws.com", "route53" },
	{ "s3.amazonaws.com", "s3" },
	{ "sts.amazonaws.com", "sts" },
	{ "iam.amazonaws.com", "iam" },
	{ "ec2.amazonaws.com", "ec2" },
	{ "lambda.amazonaws.com", "lambda" },
	{ "kms.amazonaws.com", "kms" },
	{ "logs.amazonaws.com", "logs" },
};
const size_t ct_am_aws_services_len = NELEM(ct_am_aws_services);

/* IAM actions whose calls are data events, and the eventSource that logs them */
const char *const ct_am_data_actions[] = {
	"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAcl", "s3:GetObjectVersionAcl",
	"s3:GetObjectTagging", "s3:GetObjectVersionTagging", "s3:GetObjectAttributes",
	"s3:GetObjectVersionAttributes", "s3:GetObjectRetention", "s3:GetObjectLegalHold",
	"s3:GetObjectTorrent", "s3:PutObject", "s3:PutObjectAcl", "s3:PutObjectVersionAcl",
	"s3:PutObjectTagging", "s3:PutObjectVersionTagging", "s3:PutObjectRetention",
	"s3:PutObjectLegalHold", "s3:DeleteObject", "s3:DeleteObjectVersion",
	"s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging", "s3:ListBucket",
	"s3:ListBucketVersions", "s3:ListBucketMultipartUploads", "s3:ListMultipartUploadParts",
	"s3:AbortMultipartUpload", "s3:RestoreObject",
	"lambda:InvokeFunction",
	"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
	"dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
	"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:PartiQLSelect",
	"dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete",
	"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
	"sns:Publish",
};
const size_t ct_am_data_actions_len = NELEM(ct_am_data_actions);

/* ---- GCP: serviceName + methodName -> permissions (the record's authorizationInfo wins) ---- */

#define GIAM	"iam.googleapis.com"
#define GIAMC	"iamcredentials.googleapis.com"
#define GCRM	"cloudresourcemanager.googleapis.com"
#define GKMS	"cloudkms.googleapis.com"
#define GLOG	"logging.googleapis.com"
#define GSM	"secretmanager.googleapis.com"
#define GBQ	"bigquery.googleapis.com"
#define GCS	"storage.googleapis.com"
#define GCE	"compute.googleapis.com"
#define GR(a)	P(a, NULL)

const struct ct_am_entry ct_am_gcp_table[] = {
	EN(GIAM, "google.iam.admin.v1.CreateServiceAccountKey", RENAMED,
	    GR("iam.serviceAccountKeys.create")),
	EN(GIAM, "google.iam.admin.v1.DeleteServiceAccountKey", RENAMED,
	    GR("iam.serviceAccountKeys.delete")),
	EN(GIAM, "google.iam.admin.v1.ListServiceAccountKeys", RENAMED,
	    GR("iam.serviceAccountKeys.list")),
	EN(GIAM, "google.iam.admin.v1.CreateServiceAccount", RENAMED,
	    GR("iam.serviceAccounts.create")),
	EN(GIAM, "google.iam.admin.v1.DeleteServiceAccount", RENAMED,
	    GR("iam.serviceAccounts.delete")),
	EN(GIAM, "google.iam.admin.v1.GetServiceAccount", RENAMED, GR("iam.serviceAccounts.get")),
	EN(GIAM, "google.iam.admin.v1.ListServiceAccounts", RENAMED,
	    GR("iam.serviceAccounts.list")),
	EN(GIAM, "google.iam.admin.v1.DisableServiceAccount", RENAMED,
	    GR("iam.serviceAccounts.disable")),
	EN(GIAM, "google.iam.admin.v1.EnableServiceAccount", RENAMED,
	    GR("iam.serviceAccounts.enable")),
	EN(GIAM, "google.iam.admin.v1.SetIAMPolicy", RENAMED,
	    GR("iam.serviceAccounts.setIamPolicy")),
	EN(GIAM, "google.iam.admin.v1.GetIAMPolicy", RENAMED,
	    GR("iam.serviceAccounts.getIamPolicy")),
	EN(GIAM, "google.iam.admin.v1.CreateRole", RENAMED, GR("iam.roles.create")),
	EN(GIAM, "google.iam.admin.v1.UpdateRole", RENAMED, GR("iam.roles.update")),
	EN(GIAM, "google.iam.admin.v1.DeleteRole", RENAMED, GR("iam.roles.delete")),
	EN(GIAM, "google.iam.admin.v1.WorkforcePools.CreateWorkforcePool", RENAMED,
	    GR("iam.workforcePools.create")),
	EN(GIAM, "google.iam.admin.v1.WorkforcePools.DeleteWorkforcePool", RENAMED,
	    GR("iam.workforcePools.delete")),
	EN(GIAM, "google.iam.admin.v1.WorkforcePools.UpdateWorkforcePool", RENAMED,
	    GR("iam.workforcePools.update")),
	EN(GIAM, "google.iam.v1.WorkloadIdentityPools.CreateWorkloadIdentityPoolProvider", RENAMED,
	    GR("iam.workloadIdentityPoolProviders.create")),
	EN(GIAM, "google.iam.v1.WorkloadIdentityPools.UpdateWorkloadIdentityPoolProvider", RENAMED,
	    GR("iam.workloadIdentityPoolProviders.update")),
	EN(GIAM, "google.iam.v1.WorkloadIdentityPools.DeleteWorkloadIdentityPool", RENAMED,
	    GR("iam.workloadIdentityPools.delete")),
	EN(GIAMC, "GenerateAccessToken", RENAMED, GR("iam.serviceAccounts.getAccessToken")),
	EN(GIAMC, "google.iam.credentials.v1.IAMCredentials.GenerateAccessToken", RENAMED,
	    GR("iam.serviceAccounts.getAccessToken")),
	EN(GIAMC, "GenerateIdToken", RENAMED, GR("iam.serviceAccounts.getOpenIdToken")),
	EN(GIAMC, "google.iam.credentials.v1.IAMCredentials.GenerateIdToken", RENAMED,
	    GR("iam.serviceAccounts.getOpenIdToken")),
	EN(GIAMC, "SignJwt", RENAMED, GR("iam.serviceAccounts.signJwt")),
	EN(GIAMC, "google.iam.credentials.v1.IAMCredentials.SignJwt", RENAMED,
	    GR("iam.serviceAccounts.signJwt")),
	EN(GIAMC, "SignBlob", RENAMED, GR("iam.serviceAccounts.signBlob")),
	EN(GIAMC, "google.iam.credentials.v1.IAMCredentials.SignBlob", RENAMED,
	    GR("iam.serviceAccounts.signBlob")),
	EN(GKMS, "Encrypt", RENAMED, GR("cloudkms.cryptoKeyVersions.useToEncrypt")),
	EN(GKMS, "Decrypt", RENAMED, GR("cloudkms.cryptoKeyVersions.useToDecrypt")),
	EN(GKMS, "AsymmetricSign", RENAMED, GR("cloudkms.cryptoKeyVersions.useToSign")),
	EN(GKMS, "AsymmetricDecrypt", RENAMED, GR("cloudkms.cryptoKeyVersions.useToDecrypt")),
	EN(GKMS, "UpdateCryptoKeyVersion", RENAMED, GR("cloudkms.cryptoKeyVersions.update")),
	EN(GKMS, "DestroyCryptoKeyVersion", RENAMED, GR("cloudkms.cryptoKeyVersions.destroy")),
	EN(GLOG, "google.logging.v2.ConfigServiceV2.UpdateSink", RENAMED, GR("logging.sinks.update")),
	EN(GLOG, "google.logging.v2.ConfigServiceV2.DeleteSink", RENAMED, GR("logging.sinks.delete")),
	EN(GLOG, "google.logging.v2.ConfigServiceV2.CreateSink", RENAMED, GR("logging.sinks.create")),
	EN(GLOG, "google.logging.v2.ConfigServiceV2.GetSink", RENAMED, GR("logging.sinks.get")),
	EN(GLOG, "google.logging.v2.ConfigServiceV2.ListSinks", RENAMED, GR("logging.sinks.list")),
	EN(GLOG, "google.logging.v2.ConfigServiceV2.ListSink", RENAMED, GR("logging.sinks.list")),
	EN(GLOG, "google.logging.v2.ConfigServiceV2.GetBucket", RENAMED, GR("logging.buckets.get")),
	EN(GLOG, "google.logging.v2.ConfigServiceV2.DeleteBucket", RENAMED,
	    GR("logging.buckets.delete")),
	EN(GSM, "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion", RENAMED,
	    GR("secretmanager.versions.access")),
	EN(GSM, "google.cloud.secretmanager.v1.SecretManagerService.AddSecretVersion", RENAMED,
	    GR("secretmanager.versions.add")),
	EN(GSM, "google.cloud.secretmanager.v1.SecretManagerService.GetSecret", RENAMED,
	    GR("secretmanager.secrets.get")),
	EN(GSM, "google.cloud.secretmanager.v1.SecretManagerService.ListSecrets", RENAMED,
	    GR("secretmanager.secrets.list")),
	EN(GSM, "google.cloud.secretmanager.v1.SecretManagerService.CreateSecret", RENAMED,
	    GR("secretmanager.secrets.create")),
	EN(GBQ, "google.cloud.bigquery.v2.JobService.InsertJob", RENAMED, GR("bigquery.jobs.create")),
	EN(GBQ, "jobservice.insert", RENAMED, GR("bigquery.jobs.create")),
	EN(GBQ, "google.cloud.bigquery.v2.JobService.GetQueryResults", RENAMED,
	    GR("bigquery.jobs.get")),
	EN(GBQ, "google.cloud.bigquery.v2.TableService.DeleteTable", RENAMED,
	    GR("bigquery.tables.delete")),
	EN(GBQ, "tableservice.delete", RENAMED, GR("bigquery.tables.delete")),
	EN(GBQ, "datasetservice.insert", RENAMED, GR("bigquery.datasets.create")),
	EN("cloudbuild.googleapis.com", "google.devtools.cloudbuild.v1.CloudBuild.CreateBuild",
	    RENAMED, GR("cloudbuild.builds.create")),
	EN("apikeys.googleapis.com", "google.api.apikeys.v2.ApiKeys.CreateKey", RENAMED,
	    GR("serviceusage.apiKeys.create")),
	EN("run.googleapis.com", "google.cloud.run.v1.Services.CreateService", RENAMED,
	    GR("run.services.create")),
	EN("run.googleapis.com", "google.cloud.run.v1.Services.SetIamPolicy", RENAMED,
	    GR("run.services.setIamPolicy")),
	EN("iap.googleapis.com", "AuthorizeUser", RENAMED, GR("iap.tunnelInstances.accessViaIAP")),
	EN("clientauthconfig.googleapis.com", "CreateBrand", RENAMED,
	    GR("clientauthconfig.brands.create")),
	EN("dns.googleapis.com", "dns.managedZones.patch", RENAMED, GR("dns.managedZones.update")),
	E("dns.googleapis.com", "dns.changes.create", GR("dns.changes.create"),
	    PD("dns.resourceRecordSets.create", NULL, "change.additions", NULL,
		"the change adds records"),
	    PD("dns.resourceRecordSets.delete", NULL, "change.deletions", NULL,
		"the change deletes records")),
	E("dns.googleapis.com", "dns.changes.get", GR("dns.changes.get")),
	E("dns.googleapis.com", "dns.managedZones.get", GR("dns.managedZones.get")),
	E("dns.googleapis.com", "dns.managedZones.list", GR("dns.managedZones.list")),
	E("dns.googleapis.com", "dns.managedZones.create", GR("dns.managedZones.create")),
	E("dns.googleapis.com", "dns.managedZones.delete", GR("dns.managedZones.delete")),
	E("dns.googleapis.com", "dns.resourceRecordSets.list", GR("dns.resourceRecordSets.list")),
	/* Cloud Storage's legacy method names are permissions, with two exceptions */
	EN(GCS, "storage.setIamPermissions", RENAMED, GR("storage.buckets.setIamPolicy")),
	EN(GCS, "storage.getIamPermissions", RENAMED, GR("storage.buckets.getIamPolicy")),
	E(GCS, "google.storage.objects.get", GR("storage.objects.get")),
	EN(GCS, "google.storage.v2.Storage.ReadObject", RENAMED, GR("storage.objects.get")),
	EN(GCS, "google.storage.v2.Storage.WriteObject", RENAMED, GR("storage.objects.create")),
	EN(GCS, "google.storage.v2.Storage.ListObjects", RENAMED, GR("storage.objects.list")),
	EN(GCS, "google.storage.v2.Storage.DeleteObject", RENAMED, GR("storage.objects.delete")),
	EN(GCS, "google.storage.v2.Storage.GetBucket", RENAMED, GR("storage.buckets.get")),
	/* Compute: insert -> create (by rule), plus the permissions the resource uses */
	EN(GCE, "instances.insert", "creating an instance also uses its disks and subnetwork",
	    GR("compute.instances.create"),
	    PD("compute.disks.create", NULL, "disks", NULL, "the boot disk is created"),
	    PD("compute.subnetworks.use", NULL, "networkInterfaces", NULL,
		"the instance joins a subnetwork"),
	    PD("compute.subnetworks.useExternalIp", NULL, "networkInterfaces[].accessConfigs",
		NULL, "the instance gets an external address"),
	    PD("compute.instances.setMetadata", NULL, "metadata", NULL, "the request sets metadata"),
	    PD("compute.instances.setLabels", NULL, "+labels", NULL,
		"the request names labels (GCP checks it even for an empty list)"),
	    PD("compute.instances.setServiceAccount", NULL, "serviceAccounts", NULL,
		"the instance runs as a service account")),
	EN(GCE, "firewalls.insert", "a firewall rule changes its network's policy",
	    GR("compute.firewalls.create"),
	    PD("compute.networks.updatePolicy", NULL, NULL, NULL, "the network's policy changes")),
	EN(GCE, "firewalls.patch", "a firewall rule changes its network's policy",
	    GR("compute.firewalls.update"),
	    PD("compute.networks.updatePolicy", NULL, NULL, NULL, "the network's policy changes")),
	EN(GCE, "snapshots.insert", "a snapshot is taken of a disk",
	    GR("compute.snapshots.create"),
	    PD("compute.disks.createSnapshot", NULL, NULL, NULL, "the disk is snapshotted")),
};
const size_t ct_am_gcp_table_len = NELEM(ct_am_gcp_table);

const struct ct_am_verb ct_am_gcp_verbs[] = {
	{ "insert", "create" },
	{ "patch", "update" },
	{ "aggregatedList", "list" },
};
const size_t ct_am_gcp_verbs_len = NELEM(ct_am_gcp_verbs);

/* ---- Vault ---- */

const char *const ct_am_vault_sudo[] = {
	"sys/audit", "sys/audit/*", "sys/audit-hash/*", "sys/auth/*", "sys/config/auditing/*",
	"sys/config/cors", "sys/config/ui/headers/*", "sys/leases/lookup/*",
	"sys/leases/revoke-force/*", "sys/leases/revoke-prefix/*", "sys/plugins/catalog/*",
	"sys/raw", "sys/raw/*", "sys/remount", "sys/revoke-force/*", "sys/revoke-prefix/*",
	"sys/rotate", "sys/rotate/config", "sys/seal", "sys/step-down", "sys/replication/*",
	"sys/storage/raft/snapshot", "sys/storage/raft/snapshot-force", "auth/token/accessors",
	"auth/token/accessors/*", "auth/token/create-orphan", "auth/token/revoke-orphan",
	"pki/root", "pki/root/sign-self-issued",
};
const size_t ct_am_vault_sudo_len = NELEM(ct_am_vault_sudo);

const struct ct_am_vault_free ct_am_vault_free[] = {
	{ "auth/+/login", "a login: needs no policy" },
	{ "auth/+/login/*", "a login: needs no policy" },
	{ "sys/wrapping/unwrap", "allowed by the default policy" },
	{ "auth/token/lookup-self", "allowed by the default policy" },
	{ "auth/token/renew-self", "allowed by the default policy" },
	{ "auth/token/revoke-self", "allowed by the default policy" },
	{ "sys/capabilities-self", "allowed by the default policy" },
	{ "sys/renew", "allowed by the default policy" },
	{ "sys/leases/renew", "allowed by the default policy" },
	{ "sys/leases/lookup", "allowed by the default policy" },
	{ "sys/health", "unauthenticated" },
	{ "sys/seal-status", "unauthenticated" },
};
const size_t ct_am_vault_free_len = NELEM(ct_am_vault_free);
